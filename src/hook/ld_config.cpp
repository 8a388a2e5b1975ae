#include "nvrunc/hook/ld_config.hpp"

#include <fcntl.h>
#include <linux/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "nvrunc/os/exec.hpp"

namespace nvrunc::hook {

namespace {

constexpr std::string_view ld_so_conf = "/etc/ld.so.conf";
constexpr std::string_view ld_so_conf_body = "include /etc/ld.so.conf.d/*.conf\n";
constexpr auto ldconfig_timeout = std::chrono::seconds(20);

// The first line of ldconfig's output, for a one-line error.
std::string first_line(const std::string& output) {
  auto end = output.find('\n');
  std::string line = output.substr(0, end == std::string::npos ? output.size() : end);
  return line.size() > 300 ? line.substr(0, 300) + "..." : line;
}

Result<os::UniqueFd> open_host_ldconfig(const std::string& path) {
  // A host path, trusted: the hook still sees the host's "/" (runc runs it before pivot_root).
  os::UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) {
    int err = errno;
    return fail(err == ENOENT ? Errc::not_found : Errc::io, "open host ldconfig `" + path + "`", err);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return fail_errno("stat host ldconfig `" + path + "`");
  if (!S_ISREG(st.st_mode) || (st.st_mode & S_IWOTH))
    return fail(Errc::unsupported, "run `" + path + "`: not a regular file, or writable by anyone");
  return fd;
}

} // namespace

Result<void> write_ld_conf(const os::RootDir& root, const std::vector<std::string>& library_dirs) {
  NVRUNC_TRY(conf_dir, root.mkdir_all("/etc/ld.so.conf.d", 0755));
  std::string body;
  for (const auto& dir : library_dirs) body += dir + "\n";
  if (auto written = root.write_file(ld_conf_fragment, body, 0644); !written) return written;
  NVRUNC_TRY(has_conf, root.exists(ld_so_conf));
  if (has_conf) return {};
  return root.write_file(ld_so_conf, ld_so_conf_body, 0644);
}


// The allow-list. Derived with `strace -f` on Debian 12's static-pie /sbin/ldconfig (glibc 2.36),
// run chrooted on a small test rootfs and with `-r` on a root holding the host's 1000+ libraries
// (only that adds sysinfo, from qsort sizing its buffer, and futex, unlink, fdatasync).
// Observed: arch_prctl brk chdir chmod close exit_group fdatasync fsync futex getdents64 getrandom
// lseek mkdir mmap mprotect munmap newfstatat openat prlimit64 read readlink rename rseq
// set_robust_list set_tid_address symlink sysinfo unlink write (+ execveat, ours). The rest is
// headroom for other glibc builds (RHEL's, arm64's *at-only table): the same operations under their
// other names and libc start-up. Checked on Ubuntu 24.04: its glibc 2.39 /sbin/ldconfig.real built a
// 347-library cache under this filter. Nothing here opens a socket, mounts, changes ids, ptraces,
// signals another process or loads a module.
const std::vector<std::string>& ldconfig_syscalls() {
  static const std::vector<std::string> names = {
      // files and directories
      "open", "openat", "close", "read", "readv", "write", "writev", "pread64", "pwrite64", "lseek",
      "stat", "fstat", "lstat", "newfstatat", "statx", "getdents", "getdents64", "readlink", "readlinkat",
      "symlink", "symlinkat", "unlink", "unlinkat", "rename", "renameat", "renameat2", "mkdir", "mkdirat",
      "chmod", "fchmod", "fchmodat", "ftruncate", "fsync", "fdatasync", "access", "faccessat", "faccessat2",
      "fcntl", "getcwd", "chdir", "fchdir",
      // memory
      "brk", "mmap", "munmap", "mremap", "mprotect", "madvise",
      // libc start-up and runtime
      "arch_prctl", "set_tid_address", "set_robust_list", "rseq", "prlimit64", "getrlimit", "uname",
      "getrandom", "sysinfo", "futex", "getpid", "gettid", "getuid", "geteuid", "getgid", "getegid",
      "clock_gettime", "clock_getres", "gettimeofday", "time",
      "rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "exit", "exit_group"};
  return names;
}

// Empirically (test/unit/hook/sandbox_test.cpp) ldconfig needs no capability at all as uid 0 in a
// root-owned 0755 tree: owner permissions suffice. CAP_DAC_OVERRIDE is kept, as libnvidia-container
// does for the host ldconfig, for images whose /etc or library directories are not writable by
// their owner or are owned by another uid (its tests: a 0555 /etc owned by uid 1000).
std::vector<int> ldconfig_capabilities() { return {CAP_DAC_OVERRIDE}; }

// libnvidia-container's limits, but FSIZE 64 MiB: a large image's cache (~100 bytes a library) and
// the aux cache stay far below it, 1 MiB was tight for images with tens of thousands of files.
std::vector<os::SandboxLimit> ldconfig_limits() {
  return {{RLIMIT_CPU, 10}, {RLIMIT_AS, rlim_t{2} << 30}, {RLIMIT_NOFILE, 64}, {RLIMIT_FSIZE, rlim_t{64} << 20},
          {RLIMIT_CORE, 0}};
}

Result<void> run_ldconfig(const os::RootDir& root, const std::string& ldconfig,
                          const std::vector<std::string>& library_dirs) {
  const std::string path = os::resolve_host_ldconfig(ldconfig);
  NVRUNC_TRY(exe, open_host_ldconfig(path));
  NVRUNC_TRY(etc, root.mkdir_all("/etc", 0755)); // where the cache goes, even in distroless images
  NVRUNC_TRY(root_dir, root.open_at("/", O_PATH | O_DIRECTORY));
  os::SandboxSpec spec;
  spec.executable_fd = exe.get();
  spec.executable_name = path;
  spec.argv = {"ldconfig", "-f", std::string(ld_so_conf), "-C", "/etc/ld.so.cache"};
  spec.argv.insert(spec.argv.end(), library_dirs.begin(), library_dirs.end());
  spec.root_fd = root_dir.get();
  spec.keep_caps = ldconfig_capabilities();
  spec.allowed_syscalls = ldconfig_syscalls();
  spec.limits = ldconfig_limits();
  spec.timeout = ldconfig_timeout;
  NVRUNC_TRY(result, os::run_sandboxed(spec));
  if (!result.succeeded()) {
    std::string detail = first_line(result.output);
    return fail(Errc::io, "run ldconfig `" + path + "` in `" + root.host_path() + "`: " + result.describe() +
                              (detail.empty() ? "" : ": " + detail));
  }
  return {};
}

} // namespace nvrunc::hook
