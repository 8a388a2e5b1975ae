#include "nvrunc/discover/observe.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "nvrunc/os/dir.hpp"
#include "nvrunc/os/unique_fd.hpp"

namespace nvrunc::discover {

namespace {

// stat(2)'s identity and timestamps as a fixed-size value; `present` false when the path does not
// exist (ENOENT, ENOTDIR); nullopt for any other error (not checkable).
struct StatValue {
  bool present = false;
  std::string value;
  std::int64_t newest_ns = 0;
};

std::optional<StatValue> stat_value(const std::string& path) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return StatValue{};
    return std::nullopt;
  }
  const std::int64_t mtime = std::int64_t(st.st_mtim.tv_sec) * 1'000'000'000 + st.st_mtim.tv_nsec;
  const std::int64_t ctime = std::int64_t(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
  const std::int64_t fields[] = {std::int64_t(st.st_dev),  std::int64_t(st.st_ino), std::int64_t(st.st_mode),
                                 std::int64_t(st.st_uid),  std::int64_t(st.st_gid), std::int64_t(st.st_rdev),
                                 std::int64_t(st.st_size), mtime,                   ctime};
  StatValue v{true, std::string(sizeof fields, '\0'), std::max(mtime, ctime)};
  std::memcpy(v.value.data(), fields, sizeof fields);
  return v;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out.append(n).push_back('\n');
  return out;
}

// One read of one byte more than expected: a procfs file of a page or less comes whole, and a
// regular file never reads short before its end.
bool content_matches(const Observation& o) {
  os::UniqueFd fd(::open(o.path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return !o.present && errno == ENOENT;
  if (!o.present) return false;
  std::string bytes(o.value.size() + 1, '\0');
  ssize_t n;
  while ((n = ::read(fd.get(), bytes.data(), bytes.size())) < 0 && errno == EINTR) {}
  return n == ssize_t(o.value.size()) && std::string_view(bytes).substr(0, size_t(n)) == o.value;
}

} // namespace

Listing list_directory(const std::string& host_path) {
  Listing l;
  os::UniqueFd fd(::open(host_path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
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

bool Recorder::first(Observation::Kind kind, const std::string& path, bool present, const std::string& value) {
  auto [it, fresh] = m_seen.try_emplace({kind, path}, m_observations.size());
  if (fresh) return true;
  const auto& seen = m_observations[it->second];
  if (seen.present != present || seen.value != value) spoil();
  return false;
}

void Recorder::content(const std::string& path, bool present, std::string_view bytes) {
  const std::string value = present ? std::string(bytes) : std::string();
  if (first(Observation::Kind::content, path, present, value))
    m_observations.push_back({Observation::Kind::content, path, present, value});
}

void Recorder::listing(const std::string& path, const Listing& l) {
  if (l.failed) return spoil();
  const std::string value = joined(l.names);
  if (first(Observation::Kind::listing, path, l.present, value))
    m_observations.push_back({Observation::Kind::listing, path, l.present, value});
}

void Recorder::stat(const std::string& path) {
  auto v = stat_value(path);
  if (!v) return spoil();
  if (!first(Observation::Kind::stat, path, v->present, v->value)) return;
  m_newest_ns = std::max(m_newest_ns, v->newest_ns);
  m_observations.push_back({Observation::Kind::stat, path, v->present, std::move(v->value)});
}

bool observations_hold(const std::vector<Observation>& observations) {
  for (const auto& o : observations) {
    switch (o.kind) {
    case Observation::Kind::content:
      if (!content_matches(o)) return false;
      break;
    case Observation::Kind::listing: {
      auto l = list_directory(o.path);
      if (l.failed || l.present != o.present || joined(l.names) != o.value) return false;
      break;
    }
    case Observation::Kind::stat: {
      auto v = stat_value(o.path);
      if (!v || v->present != o.present || v->value != o.value) return false;
      break;
    }
    }
  }
  return true;
}

} // namespace nvrunc::discover
