#include "nvrunc/os/rooted.hpp"

#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/random.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <ctime>
#include <optional>
#include <string>
#include <vector>

namespace nvrunc::os {

namespace {

constexpr int max_symlinks = 40;    // the kernel's own limit (MAXSYMLINKS)
constexpr int max_eagain_retries = 32;
constexpr int max_temp_attempts = 16;

using Located = std::pair<UniqueFd, std::string>;

Errc classify(int err) {
  if (err == ENOENT) return Errc::not_found;
  if (err == ELOOP || err == EXDEV) return Errc::unsafe_path;
  return Errc::io;
}

tl::unexpected<Error> fail_sys(int err, std::string message) {
  return fail(classify(err), std::move(message), err);
}

std::string quoted_in(std::string_view path, const std::string& root) {
  return "`" + std::string(path) + "` in `" + root + "`";
}

long sys_openat2(int dirfd, const char* path, int flags, mode_t mode) {
  struct open_how how {};
  how.flags = static_cast<unsigned long long>(flags) | O_CLOEXEC;
  how.mode = (flags & (O_CREAT | O_TMPFILE)) ? mode : 0;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  return ::syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

// openat2(2) (Linux 5.6) is tried until a call answers ENOSYS and a probe confirms that the system
// call itself is missing (a driver's open may answer ENOSYS too); from then on the process walks.
// Probed only then: a probe up front is two system calls on every create.
std::atomic<bool> openat2_missing{false};

bool confirm_openat2_missing() {
  const int saved = errno;
  long fd = sys_openat2(AT_FDCWD, "/", O_PATH, 0);
  const bool missing = fd < 0 && errno == ENOSYS;
  if (fd >= 0) ::close(static_cast<int>(fd));
  if (missing) openat2_missing.store(true, std::memory_order_relaxed);
  errno = saved;
  return missing;
}

// The content of the symlink `fd` (an O_PATH|O_NOFOLLOW descriptor): read from the descriptor, not
// from a name, so the link cannot be swapped between the type check and the read.
Result<std::string> read_link_fd(int fd) {
  char buf[4096];
  ssize_t n = ::readlinkat(fd, "", buf, sizeof buf);
  if (n < 0) return fail_errno("read symlink");
  if (static_cast<size_t>(n) == sizeof buf) return fail(Errc::unsafe_path, "read symlink: target too long");
  return std::string(buf, static_cast<size_t>(n));
}

// Creates the directory `name` in `dir` for mkdir_all, with exactly `mode` (the umask trimmed it),
// and returns it opened. EEXIST (a racing creator) returns whatever is there now, for the caller to
// examine like any other component.
Result<UniqueFd> make_dir(int dir, const std::string& name, mode_t mode) {
  if (::mkdirat(dir, name.c_str(), mode) != 0) {
    if (errno != EEXIST) return fail_sys(errno, "create directory `" + name + "`");
    UniqueFd fd(::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid()) return fail_sys(errno, "open `" + name + "`");
    return fd;
  }
  UniqueFd fd(::openat(dir, name.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid() || ::fchmod(fd.get(), mode) != 0) return fail_sys(errno, "create directory `" + name + "`");
  return fd;
}

struct WalkMode {
  bool follow_last = true;
  std::optional<mode_t> create; // mkdir_all: create missing components (dangling links' targets too)
};

// The user-space RESOLVE_IN_ROOT, used by mkdir_all and on kernels < 5.6. Returns the directory that
// holds the final component and that component's name ("." when the path ends on a directory the
// walk reached; always so when creating). With `follow_last` the final component was not a symlink
// when the walk looked at it; callers open it with O_NOFOLLOW, so a later swap fails, never escapes.
// ".." pops the walk's own stack of descriptors: a directory moved by a racing process can only lead
// to where it now is (on the same mount), never above the root.
Result<Located> walk_in_root(int root, std::string_view path, WalkMode mode) {
  std::vector<UniqueFd> dirs; // dirs[0] is the root
  dirs.emplace_back(::fcntl(root, F_DUPFD_CLOEXEC, 3));
  if (!dirs.back().valid()) return fail_errno("duplicate root descriptor");
  auto parts = path_components(path);
  std::vector<std::string> todo(parts.rbegin(), parts.rend());
  int links = 0;
  while (!todo.empty()) {
    std::string name = std::move(todo.back());
    todo.pop_back();
    if (name == "..") {
      if (dirs.size() > 1) dirs.pop_back();
      continue;
    }
    const bool last = todo.empty() && !mode.create;
    UniqueFd fd(::openat(dirs.back().get(), name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
    if (!fd.valid() && errno == ENOENT && mode.create) {
      NVRUNC_TRY(made, make_dir(dirs.back().get(), name, *mode.create));
      fd = std::move(made);
    } else if (!fd.valid()) {
      if (errno == ENOENT && last) return Located(std::move(dirs.back()), name);
      return fail_sys(errno, "open `" + name + "`");
    }
    struct stat st;
    if (::fstat(fd.get(), &st) != 0) return fail_errno("stat `" + name + "`");
    if (S_ISLNK(st.st_mode) && (!last || mode.follow_last)) {
      if (++links > max_symlinks) return fail(Errc::unsafe_path, "resolve `" + std::string(path) + "`", ELOOP);
      NVRUNC_TRY(target, read_link_fd(fd.get()));
      if (target.empty()) return fail(Errc::not_found, "resolve `" + name + "`: empty symlink", ENOENT);
      if (target.front() == '/') dirs.resize(1); // absolute targets restart at the root, not the host's "/"
      auto expanded = path_components(target);
      todo.insert(todo.end(), expanded.rbegin(), expanded.rend());
      continue;
    }
    if (last) return Located(std::move(dirs.back()), name);
    if (!S_ISDIR(st.st_mode)) return fail(Errc::io, "open `" + name + "`", ENOTDIR);
    dirs.push_back(std::move(fd));
  }
  return Located(std::move(dirs.back()), ".");
}

// A name for a temporary entry next to the final one; O_EXCL / symlinkat's EEXIST make it safe even
// if the image pre-creates names, the randomness only avoids retries.
std::string temp_name() {
  unsigned long long bits = 0;
  if (::getrandom(&bits, sizeof bits, GRND_NONBLOCK) != static_cast<ssize_t>(sizeof bits))
    bits = static_cast<unsigned long long>(::getpid()) * 2654435761ULL ^ static_cast<unsigned long long>(::time(nullptr));
  char buf[32];
  std::snprintf(buf, sizeof buf, ".nvrunc-%016llx", bits);
  return buf;
}

Result<void> write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("write");
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

// Fills the temporary file before it gets its final name.
Result<void> fill_temp(int dir, const std::string& tmp, std::string_view content, mode_t mode) {
  UniqueFd fd(::openat(dir, tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) return fail_errno("create `" + tmp + "`");
  Result<void> done;
  if (::fchmod(fd.get(), mode) != 0) done = fail_errno("chmod `" + tmp + "`");
  if (done) done = write_all(fd.get(), content);
  if (!done) ::unlinkat(dir, tmp.c_str(), 0); // ours: created with O_EXCL above
  return done;
}

// Opens for reading the regular file that `located` (an O_PATH descriptor) names, and nothing
// else: opening is itself an action on a device node (a watchdog arms, a tape rewinds) or a FIFO,
// so the type is checked on the O_PATH descriptor first and the same inode reopened through
// /proc/self/fd. Errc::unsupported for anything but a regular file; `st` gets its stat.
Result<UniqueFd> reopen_regular(const UniqueFd& located, struct stat& st) {
  if (::fstat(located.get(), &st) != 0) return fail_errno("stat");
  if (!S_ISREG(st.st_mode)) return fail(Errc::unsupported, "not a regular file");
  const std::string self = "/proc/self/fd/" + std::to_string(located.get());
  UniqueFd fd(::open(self.c_str(), O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC));
  struct stat again;
  if (!fd.valid()) return fail_errno("reopen through `" + self + "`");
  if (::fstat(fd.get(), &again) != 0 || again.st_dev != st.st_dev || again.st_ino != st.st_ino)
    return fail(Errc::io, "reopen through `" + self + "`: another file");
  return fd;
}

// Whether the entry `name` of `dir` is a regular file (not a link to one) with exactly `content`
// and `mode`.
bool holds(int dir, const std::string& name, std::string_view content, mode_t mode) {
  UniqueFd located(::openat(dir, name.c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC));
  struct stat st;
  if (!located.valid()) return false;
  auto fd = reopen_regular(located, st);
  if (!fd || (st.st_mode & 07777) != mode || st.st_size != static_cast<off_t>(content.size())) return false;
  auto data = read_fd(fd->get(), content.size());
  return data && *data == content;
}

// The current content of the symlink `name` in `dir`; nullopt when there is no symlink.
std::optional<std::string> read_link_at(int dir, const std::string& name) {
  char buf[4096];
  ssize_t n = ::readlinkat(dir, name.c_str(), buf, sizeof buf);
  if (n < 0 || static_cast<size_t>(n) == sizeof buf) return std::nullopt;
  return std::string(buf, static_cast<size_t>(n));
}

} // namespace

Result<std::string> read_fd(int fd, size_t limit) {
  std::string data;
  char buf[8192];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return fail_errno("read");
    if (n == 0) return data;
    if (data.size() + static_cast<size_t>(n) > limit)
      return fail(Errc::invalid_argument, "read: more than " + std::to_string(limit) + " bytes");
    data.append(buf, static_cast<size_t>(n));
  }
}

std::vector<std::string> path_components(std::string_view path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i < path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    auto part = path.substr(i, j - i);
    if (!part.empty() && part != ".") parts.emplace_back(part);
    i = j + 1;
  }
  return parts;
}

Result<RootDir> RootDir::open(const std::string& host_path, Resolver resolver) {
  int fd = ::open(host_path.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail_sys(errno, "open root `" + host_path + "`");
  return RootDir(UniqueFd(fd), host_path, resolver);
}

Result<UniqueFd> RootDir::open_at(std::string_view path, int flags, mode_t mode) const {
  if (m_resolver == Resolver::automatic && !openat2_missing.load(std::memory_order_relaxed)) {
    std::string rel = "/" + std::string(path); // absolute is fine: RESOLVE_IN_ROOT anchors it at the root
    for (int attempt = 0;; ++attempt) {
      long fd = sys_openat2(m_fd.get(), rel.c_str(), flags, mode);
      if (fd >= 0) return UniqueFd(static_cast<int>(fd));
      // EAGAIN: a rename raced a ".." lookup and the kernel refused to guess; just look again.
      if (errno == EAGAIN && attempt < max_eagain_retries) continue;
      if (errno != ENOSYS || !confirm_openat2_missing()) return fail_sys(errno, "open " + quoted_in(path, m_path));
      break; // an older kernel: the walk below
    }
  }
  const bool follow = !(flags & O_NOFOLLOW) && !((flags & O_CREAT) && (flags & O_EXCL));
  auto located = walk_in_root(m_fd.get(), path, WalkMode{follow, std::nullopt});
  if (!located) return fail(std::move(located.error()).wrap("open " + quoted_in(path, m_path)));
  auto& [dir, name] = *located;
  int fd = ::openat(dir.get(), name.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, mode);
  if (fd < 0) return fail_sys(errno, "open " + quoted_in(path, m_path));
  return UniqueFd(fd);
}

Result<bool> RootDir::exists(std::string_view path) const {
  auto fd = open_at(path, O_PATH);
  if (fd) return true;
  if (fd.error().code() == Errc::not_found) return false;
  return fail(std::move(fd.error()));
}

Result<struct stat> RootDir::stat(std::string_view path) const {
  NVRUNC_TRY(fd, open_at(path, O_PATH));
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return fail_errno("stat " + quoted_in(path, m_path));
  return st;
}

Result<std::pair<UniqueFd, std::string>> RootDir::open_parent(std::string_view path) const {
  auto parts = path_components(path);
  if (parts.empty() || parts.back() == "..")
    return fail(Errc::invalid_argument, "resolve " + quoted_in(path, m_path) + ": does not name a file");
  std::string name = std::move(parts.back());
  parts.pop_back();
  std::string dir;
  for (auto& p : parts) dir += "/" + p;
  NVRUNC_TRY(fd, open_at(dir.empty() ? "/" : dir, O_PATH | O_DIRECTORY));
  return std::make_pair(std::move(fd), std::move(name));
}

Result<UniqueFd> RootDir::mkdir_all(std::string_view dir, mode_t mode) const {
  // Always the walk: openat2 cannot say how far a lookup got, and a dangling link such as
  // `/etc -> /host/etc` must have its target created inside the root, as runc does for mount points.
  auto located = walk_in_root(m_fd.get(), dir, WalkMode{true, mode});
  if (!located) return fail(std::move(located.error()).wrap("create directory " + quoted_in(dir, m_path)));
  int fd = ::openat(located->first.get(), ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return fail_sys(errno, "open directory " + quoted_in(dir, m_path));
  return UniqueFd(fd);
}

Result<bool> RootDir::replace_symlink(std::string_view link_path, std::string_view target) const {
  auto parent = open_parent(link_path);
  if (!parent) return fail(std::move(parent.error()).wrap("create symlink " + quoted_in(link_path, m_path)));
  auto& [dir, name] = *parent;
  auto slash = link_path.find_last_of('/');
  return replace_symlink_in(dir, slash == std::string_view::npos ? "/" : link_path.substr(0, slash), name, target);
}

Result<bool> RootDir::replace_symlink_in(const UniqueFd& dir, std::string_view dir_path, std::string_view name,
                                         std::string_view target) const {
  const std::string what =
      "create symlink " + quoted_in(std::string(dir_path).append(dir_path.ends_with('/') ? "" : "/").append(name), m_path);
  if (target.empty() || target.find('\0') != std::string_view::npos)
    return fail(Errc::invalid_argument, what + ": bad target");
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos ||
      name.find('\0') != std::string_view::npos)
    return fail(Errc::invalid_argument, what + ": not a name in the directory");
  const std::string entry(name);
  if (read_link_at(dir.get(), entry) == std::string(target)) return false;
  struct stat st;
  if (::fstatat(dir.get(), entry.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
    return fail(Errc::unsupported, what + ": a directory is in the way", EISDIR);
  std::string tmp;
  for (int attempt = 0;; ++attempt) {
    tmp = temp_name();
    if (::symlinkat(std::string(target).c_str(), dir.get(), tmp.c_str()) == 0) break;
    if (errno != EEXIST || attempt >= max_temp_attempts) return fail_sys(errno, what);
  }
  if (::renameat(dir.get(), tmp.c_str(), dir.get(), entry.c_str()) != 0) {
    int saved = errno; // EBUSY: a mount point; EISDIR: a directory appeared
    ::unlinkat(dir.get(), tmp.c_str(), 0);
    return fail(saved == EISDIR ? Errc::unsupported : classify(saved), what, saved);
  }
  return true;
}

Result<void> RootDir::write_file(std::string_view path, std::string_view content, mode_t mode) const {
  const std::string what = "write " + quoted_in(path, m_path);
  auto parent = open_parent(path);
  if (!parent) return fail(std::move(parent.error()).wrap(what));
  auto& [dir, name] = *parent;
  if (holds(dir.get(), name, content, mode)) return {};
  std::string tmp;
  Result<void> filled;
  for (int attempt = 0;; ++attempt) {
    tmp = temp_name();
    filled = fill_temp(dir.get(), tmp, content, mode);
    if (filled || filled.error().sys_errno() != EEXIST || attempt >= max_temp_attempts) break;
  }
  if (!filled) return fail(std::move(filled.error()).wrap(what));
  if (::renameat(dir.get(), tmp.c_str(), dir.get(), name.c_str()) != 0) {
    int saved = errno;
    ::unlinkat(dir.get(), tmp.c_str(), 0);
    return fail_sys(saved, what);
  }
  return {};
}

Result<std::string> RootDir::read_file(std::string_view path, size_t limit) const {
  const std::string what = "read " + quoted_in(path, m_path);
  NVRUNC_TRY(located, open_at(path, O_PATH));
  struct stat st;
  auto fd = reopen_regular(located, st);
  if (!fd) return fail(std::move(fd.error()).wrap(what));
  auto data = read_fd(fd->get(), limit);
  if (!data) return fail(std::move(data.error()).wrap(what));
  return data;
}

} // namespace nvrunc::os
