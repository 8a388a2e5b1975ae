#include "nvrunc/discover/snapshot.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

#include "internal.hpp"
#include "nvrunc/os/file.hpp"
#include "nvrunc/os/unique_fd.hpp"

namespace nvrunc::discover {

namespace {

constexpr size_t max_snapshot_size = 16u << 20;

std::int64_t now_ns() {
  struct timespec ts;
  ::clock_gettime(CLOCK_REALTIME, &ts);
  return std::int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

std::string file_name(std::string_view key) {
  std::uint64_t h = 14695981039346656037ull; // FNV-1a
  for (unsigned char c : key) h = (h ^ c) * 1099511628211ull;
  char name[48];
  std::snprintf(name, sizeof name, "inventory-%016llx.bin", static_cast<unsigned long long>(h));
  return name;
}

// Ours alone: owned by the user we run as, writable by nobody else.
bool ours(const struct stat& st) { return st.st_uid == ::geteuid() && (st.st_mode & 022) == 0; }

enum class Trust : std::uint8_t { ok, untrusted };

// The cache directory, created 0700 when missing (its parent must exist).
Trust check_dir(const std::string& dir) {
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT || (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) || ::lstat(dir.c_str(), &st) != 0)
      return Trust::untrusted;
  }
  return S_ISDIR(st.st_mode) && ours(st) ? Trust::ok : Trust::untrusted;
}

// The snapshot's bytes; nullopt when there is none. Trust::untrusted for a file that is not a
// regular file of ours (a symlink included).
std::optional<std::string> read_snapshot(const std::string& path, Trust& trust) {
  os::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno != ENOENT) trust = Trust::untrusted;
    return std::nullopt;
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || !ours(st) || size_t(st.st_size) > max_snapshot_size) {
    trust = Trust::untrusted;
    return std::nullopt;
  }
  std::string bytes(size_t(st.st_size), '\0');
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd.get(), bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return std::nullopt;
    got += size_t(n);
  }
  return bytes;
}

bool fresh(const Snapshot& s, std::string_view key, std::int64_t now) {
  return s.key == key && s.created_ns <= now && now - s.created_ns < snapshot_max_age_ns &&
         observations_hold(s.observations);
}

CachedInventory finish(Inventory inv, CacheUse use, std::string path, const HostFs& fs, const DiscoverOptions& options) {
  if (inv.driver_loaded()) detail::discover_ipc(fs, options, inv);
  return {std::move(inv), use, std::move(path)};
}

} // namespace

std::string_view cache_use_name(CacheUse use) {
  switch (use) {
  case CacheUse::disabled: return "disabled";
  case CacheUse::hit: return "hit";
  case CacheUse::refreshed: return "refreshed";
  case CacheUse::unsaved: return "unsaved";
  case CacheUse::untrusted: return "untrusted";
  }
  return "?";
}

std::string snapshot_key(const HostRoots& roots, const DiscoverOptions& options) {
  std::string key = std::string("nvrunc ") + NVRUNC_VERSION;
  for (const auto* part : {&roots.driver_root, &roots.dev_root, &roots.proc_root, &roots.sys_root, &options.ldcache})
    key.append("\n").append(*part);
  for (const auto& dir : options.binary_search_paths) key.append("\nbin ").append(dir);
  return key;
}

Result<CachedInventory> discover_cached(const HostRoots& roots, const DiscoverOptions& options,
                                        const CacheOptions& cache) {
  HostFs fs(roots);
  const std::string& cache_dir = cache.dir;
  if (cache_dir.empty()) {
    NVRUNC_TRY(inv, detail::discover_stable(fs, options));
    return finish(std::move(inv), CacheUse::disabled, "", fs, options);
  }
  const std::string key = snapshot_key(roots, options);
  const std::string path = cache_dir + "/" + file_name(key);
  Trust trust = check_dir(cache_dir);
  if (trust == Trust::ok) {
    auto bytes = read_snapshot(path, trust);
    auto snapshot = bytes ? decode_snapshot(*bytes) : std::nullopt;
    if (snapshot && fresh(*snapshot, key, now_ns()))
      return finish(std::move(snapshot->inventory), CacheUse::hit, path, fs, options);
  }
  Recorder recorder;
  if (trust == Trust::ok) fs.record_into(&recorder);
  NVRUNC_TRY(inv, detail::discover_stable(fs, options));
  fs.record_into(nullptr);
  if (trust != Trust::ok) return finish(std::move(inv), CacheUse::untrusted, path, fs, options);

  const std::int64_t now = now_ns();
  CacheUse use = CacheUse::unsaved;
  if (recorder.usable() && now - recorder.newest_timestamp_ns() >= cache.racy_window_ns) {
    Snapshot s{key, now, inv, recorder.observations()};
    os::WriteOptions w;
    w.mode = 0600;
    if (os::write_file_atomic(path, encode_snapshot(s), w)) use = CacheUse::refreshed;
  }
  return finish(std::move(inv), use, path, fs, options);
}

} // namespace nvrunc::discover
