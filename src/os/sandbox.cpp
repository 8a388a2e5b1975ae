#include "nvrunc/os/sandbox.hpp"

#include <elf.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <link.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/capability.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <memory>

#include "nvrunc/os/exec.hpp"
#include "nvrunc/os/unique_fd.hpp"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

namespace nvrunc::os {

namespace {

using Clock = std::chrono::steady_clock;

struct FilterDeleter {
  void operator()(void* ctx) const { seccomp_release(ctx); }
};
using Filter = std::unique_ptr<void, FilterDeleter>;
struct CapDeleter {
  void operator()(cap_t caps) const { cap_free(caps); }
};
using Caps = std::unique_ptr<std::remove_pointer_t<cap_t>, CapDeleter>;

// Everything the child needs, prepared before fork so the child only makes system calls.
struct ChildPlan {
  const SandboxSpec* spec;
  std::vector<char*> argv;
  char* envp[1] = {nullptr}; // a fixed, empty environment: nothing of the hook's (or image's) env leaks
  int null_fd, out_fd, err_fd;
  cap_t caps;
  struct sock_fprog filter;
};

Result<Filter> build_filter(const SandboxSpec& spec) {
  Filter ctx(seccomp_init(SCMP_ACT_KILL_PROCESS));
  if (!ctx) return fail(Errc::internal, "seccomp: init failed");
  for (const auto& name : spec.allowed_syscalls) {
    if (name == "execve" || name == "execveat")
      return fail(Errc::invalid_argument, "seccomp: `" + name + "` cannot be allowed: only our own exec is");
    int nr = seccomp_syscall_resolve_name(name.c_str());
    if (nr == __NR_SCMP_ERROR) continue; // not a system call of this architecture (e.g. `open` on arm64)
    if (int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, nr, 0); rc < 0)
      return fail(Errc::internal, "seccomp: allow `" + name + "`", -rc);
  }
  // The one exec the child makes: execveat(executable_fd, "", ..., AT_EMPTY_PATH).
  int rc = seccomp_rule_add(ctx.get(), SCMP_ACT_ALLOW, SCMP_SYS(execveat), 2,
                            SCMP_A0(SCMP_CMP_EQ, static_cast<scmp_datum_t>(spec.executable_fd)),
                            SCMP_A4(SCMP_CMP_EQ, static_cast<scmp_datum_t>(AT_EMPTY_PATH)));
  if (rc < 0) return fail(Errc::internal, "seccomp: allow `execveat`", -rc);
  return ctx;
}

// The filter as a BPF program, compiled in the parent: the child then installs it with one prctl,
// without libseccomp allocating between fork and exec.
Result<std::vector<struct sock_filter>> compile_filter(const SandboxSpec& spec) {
  NVRUNC_TRY(ctx, build_filter(spec));
  UniqueFd mem(::memfd_create("nvrunc-seccomp", MFD_CLOEXEC));
  if (!mem.valid()) return fail_errno("seccomp: create memfd");
  if (int rc = seccomp_export_bpf(ctx.get(), mem.get()); rc < 0) return fail(Errc::internal, "seccomp: export", -rc);
  off_t size = ::lseek(mem.get(), 0, SEEK_CUR);
  if (size <= 0 || size % static_cast<off_t>(sizeof(struct sock_filter)) != 0)
    return fail(Errc::internal, "seccomp: bad program size");
  if (size / static_cast<off_t>(sizeof(struct sock_filter)) > BPF_MAXINSNS)
    return fail(Errc::invalid_argument, "seccomp: the allow-list compiles to too long a program");
  std::vector<struct sock_filter> program(static_cast<size_t>(size) / sizeof(struct sock_filter));
  if (::pread(mem.get(), program.data(), static_cast<size_t>(size), 0) != size) return fail_errno("seccomp: read");
  return program;
}

Result<Caps> build_caps(const std::vector<int>& keep) {
  Caps caps(cap_init()); // all three sets empty
  if (!caps) return fail_errno("capabilities: init");
  for (int cap : keep) {
    cap_value_t value = cap;
    if (cap_set_flag(caps.get(), CAP_EFFECTIVE, 1, &value, CAP_SET) != 0 ||
        cap_set_flag(caps.get(), CAP_PERMITTED, 1, &value, CAP_SET) != 0)
      return fail(Errc::invalid_argument, "capabilities: bad capability " + std::to_string(cap));
  }
  return caps;
}

[[noreturn]] void child_fail(int err_fd, const char* step) {
  int err = errno;
  char buf[128];
  std::memcpy(buf, &err, sizeof err);
  size_t len = std::min(std::strlen(step), sizeof buf - sizeof err);
  std::memcpy(buf + sizeof err, step, len);
  [[maybe_unused]] ssize_t n = ::write(err_fd, buf, sizeof err + len);
  ::_exit(127);
}

void child_reset_signals() {
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL); // ignored signals survive exec otherwise
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Every descriptor above stderr becomes close-on-exec (the root fd is still needed for fchdir).
// Must run before RLIMIT_NOFILE is lowered: the fallback loop has to reach the old limit.
void child_cloexec_all() {
  if (::syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) == 0) return;
  long max = ::sysconf(_SC_OPEN_MAX);
  for (long fd = 3; fd < std::min(max, 1L << 20); ++fd) ::fcntl(static_cast<int>(fd), F_SETFD, FD_CLOEXEC);
}

void child_drop_privileges(const ChildPlan& plan) {
  // Past the kernel's last capability PR_CAPBSET_DROP answers EINVAL: 64 covers kernels newer than libcap.
  const cap_value_t last = std::max<cap_value_t>(cap_max_bits(), 64);
  const auto& keep = plan.spec->keep_caps;
  for (cap_value_t cap = 0; cap < last; ++cap) {
    if (std::find(keep.begin(), keep.end(), cap) != keep.end()) continue;
    if (cap_drop_bound(cap) != 0 && errno != EINVAL) child_fail(plan.err_fd, "drop bounding capabilities");
  }
  if (cap_reset_ambient() != 0 && errno != EINVAL) child_fail(plan.err_fd, "clear ambient capabilities");
  if (cap_set_proc(plan.caps) != 0) child_fail(plan.err_fd, "set capabilities");
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) child_fail(plan.err_fd, "set no_new_privs");
}

[[noreturn]] void child_main(const ChildPlan& plan) {
  const SandboxSpec& spec = *plan.spec;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL); // runc kills a hung hook; take the program down with it
  child_reset_signals();
  if (::dup2(plan.null_fd, 0) < 0 || ::dup2(plan.out_fd, 1) < 0 || ::dup2(plan.out_fd, 2) < 0)
    child_fail(plan.err_fd, "redirect stdio");
  // No network namespace: creating and tearing one down costs about 1 ms per container, and the
  // seccomp allow-list already kills any socket call.
  if (spec.new_namespaces && ::unshare(CLONE_NEWIPC | CLONE_NEWUTS) != 0) {
    for (int ns : {CLONE_NEWIPC, CLONE_NEWUTS}) ::unshare(ns); // best effort, one by one
  }
  child_cloexec_all();
  for (const auto& limit : spec.limits) {
    struct rlimit rl {limit.value, limit.value};
    if (::setrlimit(limit.resource, &rl) != 0) child_fail(plan.err_fd, "set resource limit");
  }
  if (::fchdir(spec.root_fd) != 0 || ::chroot(".") != 0) child_fail(plan.err_fd, "chroot into the root");
  child_drop_privileges(plan);
  if (::prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &plan.filter) != 0) child_fail(plan.err_fd, "load seccomp filter");
  ::syscall(SYS_execveat, spec.executable_fd, "", plan.argv.data(), plan.envp, AT_EMPTY_PATH);
  child_fail(plan.err_fd, "execute");
}

struct Pipe {
  UniqueFd read, write;
};

Result<Pipe> make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return fail_errno("sandbox: create pipe");
  return Pipe{UniqueFd(fds[0]), UniqueFd(fds[1])};
}

// Reads what is available; false at EOF (or error). Keeps at most `limit` bytes in `into`.
bool drain(int fd, std::string& into, size_t limit) {
  char buf[4096];
  ssize_t n = ::read(fd, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  size_t keep = std::min(static_cast<size_t>(n), limit - std::min(limit, into.size()));
  into.append(buf, keep);
  return true;
}

// Collects output and the setup-error report until both pipes close or the deadline passes.
bool collect(int out_fd, int err_fd, std::string& output, std::string& setup_error, const SandboxSpec& spec,
             Clock::time_point deadline) {
  struct pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    int n = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 1000)));
    if (n < 0 && errno != EINTR) return false;
    if (fds[0].fd >= 0 && fds[0].revents && !drain(fds[0].fd, output, spec.output_limit)) fds[0].fd = -1;
    if (fds[1].fd >= 0 && fds[1].revents && !drain(fds[1].fd, setup_error, 256)) fds[1].fd = -1;
  }
  return true;
}

Result<SandboxResult> supervise(pid_t pid, Pipe& out, Pipe& err, const SandboxSpec& spec) {
  out.write.reset();
  err.write.reset();
  SandboxResult result;
  result.timeout = spec.timeout;
  std::string setup_error;
  const auto deadline = Clock::now() + spec.timeout;
  bool in_time = collect(out.read.get(), err.read.get(), result.output, setup_error, spec, deadline) &&
                 wait_for_exit(pid, result.wait_status, deadline) != Waited::timed_out;
  if (!in_time) {
    ::kill(pid, SIGKILL);
    // Reaped as it dies; one stuck in uninterruptible sleep (a hung filesystem under the rootfs)
    // dies only when it leaves the call, and is left to our parent then rather than holding the
    // hook past its limit (as capture_program does).
    (void)wait_for_exit(pid, result.wait_status, Clock::now() + std::chrono::seconds(1));
    result.timed_out = true;
  }
  if (setup_error.size() > sizeof(int)) {
    int child_errno = 0;
    std::memcpy(&child_errno, setup_error.data(), sizeof child_errno);
    return fail(Errc::io, "sandbox `" + spec.executable_name + "`: " + setup_error.substr(sizeof child_errno),
                child_errno);
  }
  return result;
}

} // namespace

bool SandboxResult::succeeded() const {
  return !timed_out && WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0;
}

std::string SandboxResult::describe() const {
  if (timed_out) return "timed out after " + duration_text(timeout) + " (killed)";
  if (WIFEXITED(wait_status)) return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (!WIFSIGNALED(wait_status)) return "stopped (wait status " + std::to_string(wait_status) + ")";
  int sig = WTERMSIG(wait_status);
  const char* abbrev = ::sigabbrev_np(sig);
  std::string name = abbrev ? std::string("SIG") + abbrev : "unknown";
  if (sig == SIGSYS) name += ": a system call outside the seccomp allow-list";
  if (sig == SIGXCPU) name += ": CPU time limit";
  if (sig == SIGXFSZ) name += ": file size limit";
  return "killed by signal " + std::to_string(sig) + " (" + name + ")";
}

Result<void> check_static_elf(int fd, const std::string& name) {
  const std::string what = "run `" + name + "`";
  ElfW(Ehdr) eh;
  ssize_t n = ::pread(fd, &eh, sizeof eh, 0);
  if (n < 0) return fail_errno(what + ": read ELF header");
  if (n >= 2 && std::memcmp(&eh, "#!", 2) == 0)
    return fail(Errc::unsupported, what + ": is a script; its interpreter would come from the container, "
                                          "a static ELF binary is required (e.g. `/sbin/ldconfig.real`)");
  if (static_cast<size_t>(n) < sizeof eh || std::memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
    return fail(Errc::unsupported, what + ": is not an ELF binary");
  if (eh.e_ident[EI_CLASS] != (sizeof(void*) == 8 ? ELFCLASS64 : ELFCLASS32) ||
      (eh.e_type != ET_EXEC && eh.e_type != ET_DYN) || eh.e_phentsize != sizeof(ElfW(Phdr)) || eh.e_phnum > 512)
    return fail(Errc::unsupported, what + ": is not an executable for this machine");
  std::vector<ElfW(Phdr)> ph(eh.e_phnum);
  const auto bytes = static_cast<ssize_t>(ph.size() * sizeof(ElfW(Phdr)));
  if (::pread(fd, ph.data(), static_cast<size_t>(bytes), static_cast<off_t>(eh.e_phoff)) != bytes)
    return fail(Errc::unsupported, what + ": truncated ELF program headers");
  for (const auto& p : ph)
    if (p.p_type == PT_INTERP)
      return fail(Errc::unsupported, what + ": is dynamically linked; its loader and libraries would come "
                                            "from the container, a statically linked binary is required");
  return {};
}

Result<SandboxResult> run_sandboxed(const SandboxSpec& spec) {
  if (spec.executable_fd < 0 || spec.root_fd < 0 || spec.argv.empty())
    return fail(Errc::internal, "sandbox: executable, root and argv are required");
  if (auto elf = check_static_elf(spec.executable_fd, spec.executable_name); !elf) return fail(std::move(elf.error()));
  NVRUNC_TRY(program, compile_filter(spec));
  NVRUNC_TRY(caps, build_caps(spec.keep_caps));
  NVRUNC_TRY(out, make_pipe());
  NVRUNC_TRY(err, make_pipe());
  UniqueFd null_fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!null_fd.valid()) return fail_errno("sandbox: open `/dev/null`");
  ChildPlan plan{&spec, {}, {nullptr}, null_fd.get(), out.write.get(), err.write.get(), caps.get(),
                 {static_cast<unsigned short>(program.size()), program.data()}};
  for (const auto& arg : spec.argv) plan.argv.push_back(const_cast<char*>(arg.c_str()));
  plan.argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("sandbox: fork");
  if (pid == 0) child_main(plan);
  return supervise(pid, out, err, spec);
}

} // namespace nvrunc::os
