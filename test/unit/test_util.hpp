// Helpers shared by every test executable: temporary directories, whole-file I/O, running programs.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace nvrunc::test {

namespace fs = std::filesystem;

// A directory under $TMPDIR, removed with everything in it at scope exit (even read-only parts).
class TempDir {
public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "nvrunc-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(m_path, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return m_path; }
  std::string str() const { return m_path.string(); }

private:
  fs::path m_path;
};

// Writes bytes, creating the parent directories.
inline void write_file(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

inline std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline std::vector<std::string> list_dir(const fs::path& path) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(path)) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

inline std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  for (std::string line; std::getline(ss, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

// Runs a shell command, returns its exit status.
inline int sh(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

struct CommandResult {
  int status = -1; // exit status, -1 when it did not exit normally
  std::string out; // stdout (stderr is left to the test log)
};

// Runs a shell command line and captures its stdout.
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) result.out.append(buf, n);
  int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

struct ProcessResult {
  int status = -1;
  std::string out, err;
  int exit_code() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
};

// Runs argv[0] (a path) with exactly `env` and `input` on stdin; stdout and stderr captured.
inline ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                 const std::string& input) {
  TempDir io;
  write_file(io.path() / "in", input);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, (io.path() / "in").c_str(), O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, (io.path() / "out").c_str(), O_WRONLY | O_CREAT, 0600);
  posix_spawn_file_actions_addopen(&actions, 2, (io.path() / "err").c_str(), O_WRONLY | O_CREAT, 0600);
  std::vector<char*> av, ev;
  for (auto& a : argv) av.push_back(const_cast<char*>(a.c_str()));
  for (auto& e : env) ev.push_back(const_cast<char*>(e.c_str()));
  av.push_back(nullptr);
  ev.push_back(nullptr);
  pid_t pid = -1;
  ProcessResult r;
  if (posix_spawn(&pid, av[0], &actions, nullptr, av.data(), ev.data()) == 0) ::waitpid(pid, &r.status, 0);
  posix_spawn_file_actions_destroy(&actions);
  r.out = read_file(io.path() / "out");
  r.err = read_file(io.path() / "err");
  return r;
}

inline bool is_root() { return ::geteuid() == 0; }

// Runs `child` in a forked process (where a seccomp filter it loads stays) and returns the status it
// exits with; -1 when it could not be started or did not exit.
template <class F> int exit_status_in_child(F child) {
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) ::_exit(child());
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

} // namespace nvrunc::test
