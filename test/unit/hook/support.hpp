// Helpers for the hook's tests: temporary trees, small file utilities, running a program.
#pragma once

#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

namespace nvrunc::test {

namespace fs = std::filesystem;

// A directory under $TMPDIR removed with everything in it at scope exit.
class TempDir {
public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "nvrunc-hook-test-XXXXXX").string();
    if (!::mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
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

private:
  fs::path m_path;
};

inline void write_text(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every entry below `dir` (relative paths), symlinks not followed.
inline std::set<std::string> tree(const fs::path& dir) {
  std::set<std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it)
    out.insert(fs::relative(it->path(), dir).string());
  return out;
}

struct ProcessResult {
  int status = -1;
  std::string out, err;
  int exit_code() const { return WIFEXITED(status) ? WEXITSTATUS(status) : -1; }
};

// Runs argv[0] (a path) with `env` and `input` on stdin; stdout and stderr captured through files.
inline ProcessResult run_process(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                 const std::string& input) {
  TempDir io;
  write_text(io.path() / "in", input);
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
  r.out = read_text(io.path() / "out");
  r.err = read_text(io.path() / "err");
  return r;
}

inline bool is_root() { return ::geteuid() == 0; }

} // namespace nvrunc::test
