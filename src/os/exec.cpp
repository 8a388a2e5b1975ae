#include "nvrunc/os/exec.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>

#include "nvrunc/common/strings.hpp"
#include "nvrunc/os/file.hpp"
#include "nvrunc/os/unique_fd.hpp"

extern char** environ;

namespace nvrunc::os {

Error exec_program(const std::string& path, const std::vector<std::string>& argv) {
  std::vector<char*> cargv;
  cargv.reserve(argv.size() + 1);
  for (const auto& a : argv) cargv.push_back(const_cast<char*>(a.c_str()));
  cargv.push_back(nullptr);
  ::execve(path.c_str(), cargv.data(), environ);
  int saved = errno;
  return Error(saved == ENOENT ? Errc::not_found : Errc::io, "exec `" + path + "`", saved);
}

std::string self_executable() {
  static const std::string self = [] { // a process's executable does not change: read it once
    char buf[PATH_MAX];
    ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
    return n <= 0 ? std::string() : std::string(buf, size_t(n));
  }();
  return self;
}

std::optional<FileId> self_identity() {
  static const std::optional<FileId> self = []() -> std::optional<FileId> {
    struct stat st;
    if (::stat("/proc/self/exe", &st) != 0) return std::nullopt;
    return FileId{st.st_dev, st.st_ino};
  }();
  return self;
}

std::string find_executable(const std::string& name, const std::string& search_path, FileId* id) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return is_executable_file(name, id) ? name : "";
  for (auto dir : split(search_path, ':')) {
    std::string candidate = concat({dir.empty() ? std::string_view(".") : dir, "/", name});
    if (is_executable_file(candidate, id)) return candidate;
  }
  return "";
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

namespace {

// Closes both ends of the pipes it owns.
struct Pipes {
  int out[2] = {-1, -1}, err[2] = {-1, -1};
  int null = -1;
  ~Pipes() {
    for (int fd : {out[0], out[1], err[0], err[1], null})
      if (fd >= 0) ::close(fd);
  }
  static void close_fd(int& fd) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

std::string exit_text(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "stopped";
}

enum class Drained { done, too_long, timed_out };

// Reads the child's stdout and stderr until both close (poll: a helper that fills one pipe while
// we block on the other would never finish). Keeps the first 4 KiB of stderr. Stops as soon as
// stdout passes `max_output`, or at `deadline`.
Drained drain(int& out_fd, int& err_fd, std::string& output, std::string& errors, size_t max_output,
              std::chrono::steady_clock::time_point deadline) {
  char buf[4096];
  while (out_fd >= 0 || err_fd >= 0) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return Drained::timed_out;
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    const int ready = ::poll(fds, 2, static_cast<int>(std::min<long long>(left, 60'000)));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return Drained::done;
    }
    for (int i = 0; i < 2; ++i) {
      int& fd = i == 0 ? out_fd : err_fd;
      if (fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        Pipes::close_fd(fd);
        continue;
      }
      if (i == 0) output.append(buf, size_t(n));
      else if (errors.size() < 4096) errors.append(buf, size_t(n));
    }
    if (output.size() > max_output) return Drained::too_long;
  }
  return Drained::done;
}

} // namespace

std::string duration_text(std::chrono::milliseconds limit) {
  const auto ms = limit.count();
  return ms % 1000 ? std::to_string(ms) + " ms" : std::to_string(ms / 1000) + " s";
}

Waited wait_for_exit(pid_t pid, int& status, std::chrono::steady_clock::time_point deadline) {
  // A child's pipes close a moment before it can be reaped, so the first look usually finds it
  // still exiting (a fixed 2 ms nap here once added 2 ms to every hook).
  UniqueFd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)));
  useconds_t nap = 50;
  while (true) {
    const pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) return Waited::exited;
    if (r < 0 && errno != EINTR) {
      const int err = errno; // for the caller, past the pidfd's close
      pidfd.reset();
      errno = err;
      return Waited::failed;
    }
    const auto left =
        std::chrono::duration_cast<std::chrono::microseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) return Waited::timed_out;
    if (pidfd.valid()) {
      struct pollfd exited = {pidfd.get(), POLLIN, 0};
      (void)::poll(&exited, 1, static_cast<int>(std::min<long long>(left / 1000 + 1, 1000)));
      continue;
    }
    ::usleep(static_cast<useconds_t>(std::min<long long>(nap, left)));
    nap = std::min<useconds_t>(nap * 2, 2000);
  }
}

Result<std::string> capture_program(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                    size_t max_output, std::chrono::milliseconds timeout) {
  const std::string what = "run `" + argv.at(0) + "`";
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  Pipes p;
  if (::pipe2(p.out, O_CLOEXEC) != 0 || ::pipe2(p.err, O_CLOEXEC) != 0) return fail_errno(what + ": create pipe");
  p.null = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (p.null < 0) return fail_errno(what + ": open `/dev/null`");
  std::vector<char*> args, envp;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  for (const auto& e : env) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno(what + ": fork");
  if (pid == 0) { // child: only async-signal-safe calls
    if (::dup2(p.null, 0) < 0 || ::dup2(p.out[1], 1) < 0 || ::dup2(p.err[1], 2) < 0) ::_exit(126);
    ::close_range(3, ~0U, 0); // runc's preserved fds, the console socket: not the helper's business
    ::execve(args[0], args.data(), envp.data());
    const char* why = errno == ENOENT ? "cannot execute: no such file or directory\n"
                      : errno == EACCES ? "cannot execute: permission denied\n"
                      : errno == ENOEXEC ? "cannot execute: exec format error\n"
                                         : "cannot execute\n";
    (void)!::write(2, why, std::strlen(why));
    ::_exit(127);
  }
  Pipes::close_fd(p.out[1]);
  Pipes::close_fd(p.err[1]);
  std::string output, errors;
  const Drained drained = drain(p.out[0], p.err[0], output, errors, max_output, deadline);
  if (drained == Drained::too_long) ::kill(pid, SIGKILL);
  int status = 0;
  // Waited for until the same deadline: a helper can close its output and still not exit.
  const Waited waited = drained == Drained::timed_out ? Waited::timed_out : wait_for_exit(pid, status, deadline);
  if (waited == Waited::timed_out) {
    // Not reaped: a process stuck in the driver (uninterruptible) dies only when it leaves the
    // call; our parent (a containerd shim is a subreaper) reaps it then.
    ::kill(pid, SIGKILL);
    (void)::waitpid(pid, nullptr, WNOHANG);
  }
  if (drained == Drained::too_long)
    return fail(Errc::io, what + ": more than " + std::to_string(max_output) + " bytes of output");
  if (waited == Waited::timed_out) return fail(Errc::io, what + ": no answer after " + duration_text(timeout) + " (killed)");
  // ECHILD: a parent that runs us with SIGCHLD ignored makes the kernel reap the child itself, and
  // its status is lost; the output is then all there is (callers validate it).
  if (waited == Waited::failed && errno != ECHILD) return fail_errno(what + ": wait");
  if (waited == Waited::failed || (WIFEXITED(status) && WEXITSTATUS(status) == 0)) return output;
  auto first_line = errors.substr(0, errors.find('\n'));
  return fail(Errc::io, what + ": " + exit_text(status) + (first_line.empty() ? "" : ": " + first_line));
}

std::string resolve_host_ldconfig(const std::string& path) {
  std::string real = path + ".real";
  struct stat st;
  return ::stat(real.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? real : path;
}

} // namespace nvrunc::os
