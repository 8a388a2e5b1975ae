#include "nvrunc/discover/observe.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <iterator>

#include "nvrunc/os/dir.hpp"
#include "nvrunc/os/unique_fd.hpp"

namespace nvrunc::discover {

namespace {

// stat(2)'s identity and timestamps as fixed-size fields; `present` false when the path does not
// exist (ENOENT, ENOTDIR); nullopt for any other error (not checkable). An observation's value is
// the fields' bytes.
struct StatFields {
  bool present = false;
  std::int64_t fields[9] = {};
  std::int64_t newest_ns = 0;
  std::string_view bytes() const { return {reinterpret_cast<const char*>(fields), sizeof fields}; }
};

std::optional<StatFields> stat_fields(const char* path) {
  struct stat st;
  if (::stat(path, &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return StatFields{};
    return std::nullopt;
  }
  const std::int64_t mtime = std::int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  const std::int64_t ctime = std::int64_t(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  return StatFields{true,
                    {std::int64_t(st.st_dev), std::int64_t(st.st_ino), std::int64_t(st.st_mode), std::int64_t(st.st_uid),
                     std::int64_t(st.st_gid), std::int64_t(st.st_rdev), std::int64_t(st.st_size), mtime, ctime},
                    std::max(mtime, ctime)};
}

// `path` as a C string in `buf`; false when it cannot be one (too long for any system call, or
// with a NUL byte).
bool c_path(std::string_view path, char (&buf)[PATH_MAX]) {
  if (path.size() >= sizeof buf || path.find('\0') != std::string_view::npos) return false;
  std::memcpy(buf, path.data(), path.size());
  buf[path.size()] = '\0';
  return true;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out.append(n).push_back('\n');
  return out;
}

// Calls f(line) for each '\n'-terminated line of `lines` until f returns true; whether one did.
template <class F> bool any_line(std::string_view lines, F&& f) {
  for (size_t start = 0, end; (end = lines.find('\n', start)) != std::string_view::npos; start = end + 1)
    if (f(lines.substr(start, end - start))) return true;
  return false;
}

// Whether a listing with this filter (prefixes, each followed by '\n'; "" for all) keeps `name`.
bool kept(std::string_view name, std::string_view filter) {
  return filter.empty() || any_line(filter, [&](std::string_view prefix) { return name.starts_with(prefix); });
}

// The names a listing with this filter keeps, each followed by '\n'.
std::string kept_names(const std::vector<std::string>& names, std::string_view filter) {
  std::string out;
  for (const auto& n : names)
    if (kept(n, filter)) out.append(n).push_back('\n');
  return out;
}

// One read of one byte more than expected: a procfs file of a page or less comes whole, and a
// regular file never reads short before its end.
bool content_matches(const char* path, const ObservationView& o) {
  os::UniqueFd fd(::open(path, O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return !o.present && errno == ENOENT;
  if (!o.present) return false;
  char small[4096];
  std::string large;
  const size_t want = o.value.size() + 1;
  char* buf = small;
  if (want > sizeof small) {
    large.resize(want);
    buf = large.data();
  }
  ssize_t n;
  while ((n = ::read(fd.get(), buf, want)) < 0 && errno == EINTR) {}
  return n == ssize_t(o.value.size()) && std::string_view(buf, size_t(n)) == o.value;
}

} // namespace

Listing Listing::filtered(const std::vector<std::string>& prefixes) const {
  Listing l{present, failed, {}};
  const std::string filter = joined(prefixes);
  std::copy_if(names.begin(), names.end(), std::back_inserter(l.names), [&](const auto& n) { return kept(n, filter); });
  return l;
}

Listing list_directory(const std::string& host_path) { return list_directory(host_path.c_str()); }

Listing list_directory(const char* host_path) {
  Listing l;
  os::UniqueFd fd(::open(host_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) {
    l.failed = errno != ENOENT && errno != ENOTDIR;
    return l;
  }
  auto names = os::read_open_dir(fd.get());
  if (!names) {
    l.failed = true;
    return l;
  }
  l.present = true;
  l.names = std::move(*names);
  return l;
}

void Recorder::add(Observation o) {
  auto key = std::make_tuple(o.kind, o.path, o.filter);
  if (auto it = m_seen.find(key); it != m_seen.end()) {
    const auto& seen = m_observations[it->second];
    if (seen.present != o.present || seen.value != o.value) spoil();
    return;
  }
  if (!o.present && absence_shown(o.path)) return;
  if (!o.present) m_absent.insert(o.path);
  else if (o.kind == Observation::Kind::listing) m_listings.emplace(o.path, m_observations.size());
  m_seen.emplace(std::move(key), m_observations.size());
  m_observations.push_back(std::move(o));
}

bool Recorder::absence_shown(const std::string& path) const {
  std::string_view p = path;
  for (size_t slash; (slash = p.rfind('/')) != std::string_view::npos && slash + 1 < p.size();) {
    const std::string dir(slash == 0 ? std::string_view("/") : p.substr(0, slash));
    const std::string_view name = p.substr(slash + 1);
    if (name == "." || name == "..") break; // never in a listing: not a name one can show missing
    if (m_absent.count(dir)) return true;
    auto [it, end] = m_listings.equal_range(dir);
    for (; it != end; ++it) {
      const auto& o = m_observations[it->second];
      if (kept(name, o.filter) && !any_line(o.value, [&](std::string_view n) { return n == name; })) return true;
    }
    if (slash == 0) break;
    p = p.substr(0, slash);
  }
  return false;
}

void Recorder::content(const std::string& path, bool present, std::string_view bytes) {
  add({Observation::Kind::content, path, present, present ? std::string(bytes) : std::string(), ""});
}

void Recorder::listing(const std::string& path, const Listing& l, const std::vector<std::string>& prefixes) {
  if (l.failed) return spoil();
  std::string filter = joined(prefixes);
  std::string names = kept_names(l.names, filter);
  add({Observation::Kind::listing, path, l.present, std::move(names), std::move(filter)});
}

void Recorder::record_stat(const std::string& path, bool itself) {
  auto v = stat_fields(path.c_str());
  if (!v) return spoil();
  m_newest_ns = std::max(m_newest_ns, v->newest_ns);
  if (itself) m_stat_for_itself.insert(path);
  add({Observation::Kind::stat, path, v->present, v->present ? std::string(v->bytes()) : std::string(), ""});
}

void Recorder::stat(const std::string& path) { record_stat(path, true); }

void Recorder::stat_passing(const std::string& dir, const std::string& child) {
  m_passed_to[dir].insert(child);
  record_stat(dir, false);
}

// Children are longer real paths than their parent, so this ends.
bool Recorder::stat_kept(const std::string& path, std::map<std::string, bool>& memo) const {
  if (auto it = memo.find(path); it != memo.end()) return it->second;
  bool kept = m_stat_for_itself.count(path) > 0;
  if (auto it = m_passed_to.find(path); !kept && it != m_passed_to.end())
    for (const auto& child : it->second)
      if (!m_seen.count({Observation::Kind::stat, child, ""}) || !stat_kept(child, memo)) kept = true;
  return memo[path] = kept;
}

std::vector<Observation> Recorder::observations() const {
  std::map<std::string, bool> memo;
  std::vector<Observation> kept;
  kept.reserve(m_observations.size());
  for (const auto& o : m_observations)
    if (o.kind != Observation::Kind::stat || stat_kept(o.path, memo)) kept.push_back(o);
  return kept;
}

bool observation_holds(const ObservationView& o) {
  char path[PATH_MAX];
  if (!c_path(o.path, path)) return false;
  switch (o.kind) {
  case Observation::Kind::content: return content_matches(path, o);
  case Observation::Kind::listing: {
    auto l = list_directory(path);
    return !l.failed && l.present == o.present && kept_names(l.names, o.filter) == o.value;
  }
  case Observation::Kind::stat: {
    auto v = stat_fields(path);
    return v && v->present == o.present && (v->present ? v->bytes() == o.value : o.value.empty());
  }
  }
  return false;
}

bool observations_hold(const std::vector<Observation>& observations) {
  return std::all_of(observations.begin(), observations.end(), [](const Observation& o) { return observation_holds(o); });
}

} // namespace nvrunc::discover
