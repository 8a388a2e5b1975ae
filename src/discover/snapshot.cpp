#include "nvrunc/discover/snapshot.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "internal.hpp"
#include "nvrunc/common/strings.hpp"
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
  return "inventory-" + hex(h, 16) + ".bin";
}

std::string error_text(int err) { return std::strerror(err); }

// "" when `dir` may hold our snapshot, else why not: the directory must be ours alone (owned by
// the user we run as, writable by nobody else), in a parent no other user can change (owned by
// root or by us, not writable by others unless sticky). Created 0700 when missing.
std::string check_dir(const std::string& dir) {
  const std::string parent = dir.substr(0, std::max<size_t>(dir.rfind('/'), 1));
  struct stat st;
  if (::stat(parent.c_str(), &st) != 0) return "cannot use `" + parent + "`: " + error_text(errno);
  if (!S_ISDIR(st.st_mode) || (st.st_uid != 0 && st.st_uid != ::geteuid()) ||
      ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)))
    return "`" + parent + "` can be changed by another user";
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) return "cannot use `" + dir + "`: " + error_text(errno);
    if (::mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return "create `" + dir + "`: " + error_text(errno);
    if (::lstat(dir.c_str(), &st) != 0) return "cannot use `" + dir + "`: " + error_text(errno);
  }
  if (!S_ISDIR(st.st_mode)) return "`" + dir + "` is not a directory";
  if (st.st_uid != ::geteuid())
    return "`" + dir + "` belongs to uid " + std::to_string(st.st_uid) + ", not to uid " + std::to_string(::geteuid());
  if (st.st_mode & 022) return "`" + dir + "` can be written by others";
  return "";
}

// The snapshot's bytes; nullopt when there is none, or when the file is not a regular file of
// ours alone (then `untrusted` says why).
std::optional<std::string> read_snapshot(const std::string& path, std::string& untrusted) {
  os::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno != ENOENT) untrusted = "cannot open `" + path + "`: " + error_text(errno);
    return std::nullopt;
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 022)) {
    untrusted = "`" + path + "` is not a regular file of ours alone";
    return std::nullopt;
  }
  auto bytes = os::read_open_file(fd.get(), path, max_snapshot_size, static_cast<size_t>(st.st_size));
  if (!bytes) return std::nullopt; // unreadable or too large: not a snapshot, replaced below
  return std::move(*bytes);
}

CachedInventory finish(Inventory inv, CacheUse use, std::string path, std::string note, const HostFs& fs,
                       const DiscoverOptions& options) {
  if (inv.driver_loaded()) detail::discover_ipc(fs, options, inv);
  return {std::move(inv), use, std::move(path), std::move(note)};
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
  std::string key = std::string("nvrunc ") + NVRUNC_VERSION + " discovery " + NVRUNC_DISCOVERY_ID;
  for (const auto* part : {&roots.driver_root, &roots.dev_root, &roots.proc_root, &roots.sys_root, &options.ldcache})
    key.append("\n").append(*part);
  for (const auto& dir : options.binary_search_paths) key.append("\nbin ").append(dir);
  return key;
}

Result<CachedInventory> discover_cached(const HostRoots& roots, const DiscoverOptions& options,
                                        const CacheOptions& cache) {
  HostFs fs(roots);
  if (cache.dir.empty()) {
    NVRUNC_TRY(inv, detail::discover_stable(fs, options));
    return finish(std::move(inv), CacheUse::disabled, "", "", fs, options);
  }
  const std::string key = snapshot_key(roots, options);
  const std::string path = cache.dir + "/" + file_name(key);
  std::string untrusted = check_dir(cache.dir);
  if (untrusted.empty()) {
    auto bytes = read_snapshot(path, untrusted);
    if (auto inv = bytes ? fresh_inventory(*bytes, key, now_ns()) : std::nullopt)
      return finish(std::move(*inv), CacheUse::hit, path, "", fs, options);
  }
  // Every change after `start` (or within the racy window before it) has a timestamp the
  // observations below can tell apart from the one they saw, however coarse the clock.
  const std::int64_t start = now_ns();
  Recorder recorder;
  if (untrusted.empty()) fs.record_into(&recorder);
  NVRUNC_TRY(inv, detail::discover_stable(fs, options));
  fs.record_into(nullptr);
  if (!untrusted.empty()) return finish(std::move(inv), CacheUse::untrusted, path, untrusted, fs, options);

  std::string why_not;
  if (!recorder.usable()) why_not = "a read failed or changed during discovery";
  else if (start - recorder.newest_timestamp_ns() < cache.racy_window_ns) why_not = "something it depends on just changed";
  if (why_not.empty()) {
    os::WriteOptions w;
    w.mode = 0600;
    auto saved = os::write_file_atomic(path, encode_snapshot({key, start, inv, recorder.observations()}), w);
    if (saved) return finish(std::move(inv), CacheUse::refreshed, path, "", fs, options);
    why_not = saved.error().what();
  }
  return finish(std::move(inv), CacheUse::unsaved, path, why_not, fs, options);
}

} // namespace nvrunc::discover
