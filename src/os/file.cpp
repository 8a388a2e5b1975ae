#include "nvrunc/os/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio> // rename
#include <cstdint>
#include <cstdlib>
#include <vector>

namespace nvrunc::os {

namespace {

struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(-1); }
  void reset(int f) {
    if (fd >= 0) ::close(fd);
    fd = f;
  }
};

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

} // namespace

Result<void> write_all(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("write `" + what + "`");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return {};
}

Result<std::string> read_file(const std::string& path, size_t limit) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) {
    int saved = errno;
    return fail(saved == ENOENT ? Errc::not_found : Errc::io, "open `" + path + "`", saved);
  }
  return read_open_file(fd.fd, path, limit);
}

// Reads straight into the string: no bounce buffer, so each byte lands on one page only (every
// fresh page is a page fault, microseconds on a VM). A regular file is sized from an fstat of this
// descriptor and read with one byte to spare: when exactly that size comes back, that is the whole
// file as the fstat saw it (one that has grown since fills the spare byte and is read on), and a
// read that only confirms the end would be one more system call. Files that do not know their size
// (procfs, pipes) grow the string 4 KiB at first, then by doubling, until a read sees the end.
Result<std::string> read_open_file(int fd, const std::string& path, size_t limit, std::optional<size_t> size) {
  if (!size) {
    struct stat st{};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) size = static_cast<size_t>(st.st_size);
  }
  const size_t step = size ? std::min(*size, limit) + 1 : 4096;
  const size_t cap = limit == SIZE_MAX ? limit : limit + 1; // one byte more than allowed shows "too large"
  std::string out;
  size_t used = 0;
  while (true) {
    if (used == out.size()) out.resize(std::min(used + std::max(step, used), cap));
    ssize_t n = ::read(fd, out.data() + used, out.size() - used);
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail_errno("read `" + path + "`");
    }
    if (n == 0) break;
    used += static_cast<size_t>(n);
    if (used > limit)
      return fail(Errc::invalid_argument, "read `" + path + "`: larger than " + std::to_string(limit) + " bytes");
    if (size && used == *size && used < out.size()) break; // all the fstat saw, and room for more
  }
  out.resize(used);
  return out;
}

namespace {

// A new file in `dir` with a unique name.
Result<void> make_named_temp(const std::string& dir, Fd& fd, std::string& tmp) {
  std::string tmpl = dir + "/.nvrunc-tmp-XXXXXX";
  std::vector<char> name(tmpl.begin(), tmpl.end());
  name.push_back('\0');
  fd.reset(::mkostemp(name.data(), O_CLOEXEC));
  if (fd.fd < 0) return fail_errno("create temporary file in `" + dir + "`");
  tmp = name.data();
  return {};
}

// Gives an unnamed O_TMPFILE file a unique name in `dir`. Until this point a process killed
// mid-write leaves nothing behind; only the moment between this link and the rename can leave a
// temporary file. The descriptor itself is linked (AT_EMPTY_PATH) where the kernel allows it
// (CAP_DAC_READ_SEARCH: root, as a runtime runs); else through /proc/self/fd, a lookup that costs
// a fresh process about 10 us more.
bool name_tmpfile(const Fd& fd, const std::string& dir, std::string& tmp) {
  bool by_descriptor = true;
  const std::string proc = "/proc/self/fd/" + std::to_string(fd.fd);
  for (int attempt = 0; attempt < 16; ++attempt) {
    tmp = dir + "/.nvrunc-tmp-" + std::to_string(::getpid()) + "-" +
          std::to_string(static_cast<unsigned>(::random()) ^ static_cast<unsigned>(attempt));
    const int rc = by_descriptor ? ::linkat(fd.fd, "", AT_FDCWD, tmp.c_str(), AT_EMPTY_PATH)
                                 : ::linkat(AT_FDCWD, proc.c_str(), AT_FDCWD, tmp.c_str(), AT_SYMLINK_FOLLOW);
    if (rc == 0) return true;
    if (by_descriptor && (errno == ENOENT || errno == EPERM || errno == EINVAL)) {
      by_descriptor = false; // not allowed without the capability (ENOENT), or not supported
      --attempt;
      continue;
    }
    if (errno != EEXIST) return false;
  }
  return false;
}

// Writes `content` to `fd` (the temporary file for `path`) with the mode and owner asked for, and
// syncs it. Errors name `path`, the file the caller is writing.
Result<void> fill(const Fd& fd, const ContentWriter& write, const WriteOptions& options, const std::string& path) {
  if (::fchmod(fd.fd, options.mode) != 0) return fail_errno("chmod `" + path + "`");
  if ((options.uid || options.gid) && geteuid() == 0 &&
      ::fchown(fd.fd, options.uid.value_or(static_cast<uid_t>(-1)), options.gid.value_or(static_cast<gid_t>(-1))) != 0)
    return fail_errno("chown `" + path + "`");
  if (auto r = write(fd.fd); !r) return r;
  if (::fsync(fd.fd) != 0) return fail_errno("fsync `" + path + "`");
  return {};
}

// The temporary file, written and named: an unnamed O_TMPFILE file linked at the end where the
// filesystem and /proc allow it (a kill mid-write leaves nothing), else a named file from the
// start. Returns its name.
Result<std::string> written_temp(const std::string& path, const ContentWriter& write, const WriteOptions& options) {
  const std::string dir = dir_of(path);
  std::string tmp;
  Fd fd(::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, options.mode));
  if (fd.fd >= 0) {
    if (auto r = fill(fd, write, options, path); !r) return fail(std::move(r.error()));
    if (name_tmpfile(fd, dir, tmp)) return tmp;
    // Not linkable here (no /proc/self/fd in this mount namespace, ...): the named way instead.
  }
  if (auto r = make_named_temp(dir, fd, tmp); !r) return fail(std::move(r.error()));
  // Removed whatever way the writing ends early: an error, or an exception from `write` (dump()
  // throws on invalid UTF-8, allocation can fail).
  try {
    if (auto r = fill(fd, write, options, path); !r) {
      ::unlink(tmp.c_str());
      return fail(std::move(r.error()));
    }
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
  return tmp;
}

} // namespace

Result<void> write_file_atomic(const std::string& path, std::string_view content, const WriteOptions& options) {
  return write_file_atomic_with(path, [&](int fd) { return write_all(fd, content, path); }, options);
}

Result<void> write_file_atomic_with(const std::string& path, const ContentWriter& write, const WriteOptions& options) {
  NVRUNC_TRY(tmp, written_temp(path, write, options));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto e = fail_errno("rename `" + tmp + "` to `" + path + "`");
    ::unlink(tmp.c_str());
    return e;
  }
  if (!options.durable) return {};
  Fd dfd(::open(dir_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (dfd.fd >= 0) ::fsync(dfd.fd); // best effort: the rename is already visible
  return {};
}

Result<void> append_file(const std::string& path, std::string_view content) {
  Fd fd(::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644));
  if (fd.fd < 0) return fail_errno("open `" + path + "`");
  return write_all(fd.fd, content, path);
}

Result<void> make_char_device(const std::string& path, unsigned major, unsigned minor, mode_t mode) {
  ::unlink(path.c_str());
  if (::mknod(path.c_str(), S_IFCHR | mode, makedev(major, minor)) != 0) {
    int saved = errno;
    if (saved == EPERM) return fail(Errc::io, "create `" + path + "`: need root to create device nodes", saved);
    return fail(Errc::io, "create `" + path + "`", saved);
  }
  if (::chmod(path.c_str(), mode) != 0) return fail_errno("chmod `" + path + "`"); // past the umask
  return {};
}

bool path_exists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

bool is_executable_file(const std::string& path, FileId* id) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  if (id) *id = {st.st_dev, st.st_ino};
  return ::access(path.c_str(), X_OK) == 0;
}

std::string clean_path(std::string_view path) {
  std::string out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string_view::npos) j = path.size();
    auto part = path.substr(i, j - i);
    i = j;
    if (part.empty() || part == ".") continue;
    out += '/';
    out += part;
  }
  return out.empty() ? "/" : out;
}

std::string join_root(std::string_view root, std::string_view path) {
  std::string r = root.empty() ? std::string("/") : clean_path(root);
  std::string p = clean_path(path);
  if (r == "/") return p;
  if (p == "/") return r;
  return r + p;
}

} // namespace nvrunc::os
