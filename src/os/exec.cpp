#include "nvrunc/os/exec.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>

#include "nvrunc/common/strings.hpp"
#include "nvrunc/os/file.hpp"

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
  char buf[PATH_MAX];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "";
  buf[n] = '\0';
  return buf;
}

std::string find_executable(const std::string& name, const std::string& search_path) {
  if (name.empty()) return "";
  if (name.find('/') != std::string::npos) return is_executable_file(name) ? name : "";
  for (auto dir : split(search_path, ':')) {
    std::string candidate = std::string(dir.empty() ? "." : dir) + "/" + name;
    if (is_executable_file(candidate)) return candidate;
  }
  return "";
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  if (::stat(a.c_str(), &sa) != 0 || ::stat(b.c_str(), &sb) != 0) return false;
  return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

Result<void> run_program(const std::vector<std::string>& argv) {
  int out[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return fail_errno("create pipe");
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  char* env[] = {nullptr};
  pid_t pid = ::fork();
  if (pid < 0) return fail_errno("fork");
  if (pid == 0) { // child: only async-signal-safe calls
    ::dup2(out[1], 1);
    ::dup2(out[1], 2);
    ::execve(args[0], args.data(), env);
    ::_exit(127);
  }
  ::close(out[1]);
  std::string output;
  char buf[4096];
  for (ssize_t n; (n = ::read(out[0], buf, sizeof buf)) != 0;) {
    if (n > 0) output.append(buf, size_t(n));
    else if (errno != EINTR) break;
  }
  ::close(out[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  auto first_line = output.substr(0, output.find('\n'));
  return fail(Errc::io, "run `" + argv[0] + "`: " +
                            (WIFEXITED(status) ? "exit status " + std::to_string(WEXITSTATUS(status)) : "killed") +
                            (first_line.empty() ? "" : ": " + first_line));
}

std::string resolve_host_ldconfig(const std::string& path) {
  std::string real = path + ".real";
  struct stat st;
  return ::stat(real.c_str(), &st) == 0 && S_ISREG(st.st_mode) ? real : path;
}

} // namespace nvrunc::os
