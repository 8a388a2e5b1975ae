#include "nvrunc/discover/host_fs.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>

#include "nvrunc/os/file.hpp"

namespace nvrunc::discover {

Result<std::string> HostFs::read_proc(std::string_view rel) const {
  const std::string path = os::join_root(m_roots.proc_root, "/" + std::string(rel));
  auto content = os::read_file(path, 1u << 20);
  if (m_recorder) {
    if (content) m_recorder->content(path, true, *content);
    else if (content.error().code() == Errc::not_found) m_recorder->content(path, false, "");
    else m_recorder->spoil();
  }
  return content;
}

std::vector<std::string> HostFs::recorded_listing(const std::string& host_path,
                                                  const std::vector<std::string>& prefixes) const {
  auto l = list_directory(host_path);
  if (m_recorder) m_recorder->listing(host_path, l, prefixes);
  return prefixes.empty() ? std::move(l.names) : l.filtered(prefixes).names;
}

std::vector<std::string> HostFs::list_proc(std::string_view rel) const {
  return recorded_listing(os::join_root(m_roots.proc_root, "/" + std::string(rel)));
}

std::vector<std::string> HostFs::list_dev(std::string_view dev_dir, const std::vector<std::string>& prefixes) const {
  return recorded_listing(os::join_root(m_roots.dev_root, dev_dir), prefixes);
}

std::vector<std::string> HostFs::list_sys(std::string_view rel) const {
  return recorded_listing(os::join_root(m_roots.sys_root, "/" + std::string(rel)));
}

std::vector<std::string> HostFs::list_driver_dir(std::string_view path) const {
  const std::string host = driver_host_path(path);
  if (m_recorder) m_recorder->stat(host); // a directory's mtime moves with its entries
  auto l = list_directory(host);
  if (l.failed) unreliable();
  return std::move(l.names);
}

Result<std::optional<NodeInfo>> HostFs::stat_node(std::string_view dev_path) const {
  const std::string path = os::join_root(m_roots.dev_root, dev_path);
  if (m_recorder) m_recorder->stat(path);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return std::optional<NodeInfo>();
    return fail_errno("stat `" + path + "`");
  }
  if (!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode))
    return fail(Errc::driver_missing, "stat `" + path + "`: not a device node");
  NodeInfo info;
  info.type = S_ISCHR(st.st_mode) ? 'c' : 'b';
  info.major = ::major(st.st_rdev);
  info.minor = ::minor(st.st_rdev);
  info.mode = st.st_mode & 0777;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  return std::optional<NodeInfo>(info);
}

Result<const os::RootDir*> HostFs::driver_dir() const {
  if (!m_driver_dir) {
    NVRUNC_TRY(dir, os::RootDir::open(m_roots.driver_root.empty() ? "/" : m_roots.driver_root));
    m_driver_dir.emplace(std::move(dir));
  }
  return &*m_driver_dir;
}

Result<std::string> HostFs::read_driver_file(std::string_view path, size_t limit) const {
  const std::string host = driver_host_path(path);
  if (m_recorder) m_recorder->stat(host); // files we read here are replaced by rename (ldconfig)
  return os::read_file(host, limit);
}

Result<std::string> HostFs::resolve_driver_path(std::string_view path) const {
  if (m_recorder) record_lookup(path);
  return resolve_in_root(path);
}

// What a lookup depends on: the real directory that holds each name it reads — every component
// and every symlink hop, resolved as RESOLVE_IN_ROOT does (absolute targets and ".." stay inside the
// root) — and, when a name is missing, the directory it would appear in. Adding, removing, replacing
// or retargeting any of those names moves that directory's mtime. A directory only passed through
// to a real directory is recorded as such (Recorder::stat_passing), for the recorder to leave out
// where the next one shows it. Only done while recording; the file itself is not recorded
// (observe.hpp: replaced files are noticed, rewritten ones are not).
void HostFs::record_lookup(std::string_view path) const {
  constexpr int max_links = 40; // as the kernel's MAXSYMLINKS
  // A stack, back() the next name to resolve, split as the in-root walk splits (os/rooted.hpp).
  const auto parts = os::path_components(path);
  std::vector<std::string> todo(parts.rbegin(), parts.rend());
  std::string dir; // the real directory reached so far, inside the root ("" = the root)
  for (int links = 0; !todo.empty();) {
    const std::string name = std::move(todo.back());
    todo.pop_back();
    if (name == "..") {
      dir.resize(dir.empty() ? 0 : dir.rfind('/'));
      continue;
    }
    const std::string holder = driver_host_path(dir.empty() ? "/" : dir);
    const std::string next = dir + "/" + name;
    const std::string next_host = driver_host_path(next);
    struct stat st;
    if (::lstat(next_host.c_str(), &st) != 0) return m_recorder->stat(holder); // it would appear here
    // A real directory with a name to look up in it is stat-ed in the next round: its identity
    // shows that `holder` still leads to it (observe.hpp). Not when ".." leaves it again, and never
    // for the root, which no recorded entry leads to: only its own stat shows it moved.
    if (!dir.empty() && S_ISDIR(st.st_mode) && !todo.empty() && todo.back() != "..")
      m_recorder->stat_passing(holder, next_host);
    else
      m_recorder->stat(holder);
    if (!S_ISLNK(st.st_mode)) {
      dir = next;
      continue;
    }
    char target[PATH_MAX];
    const ssize_t n = ::readlink(next_host.c_str(), target, sizeof target - 1);
    if (n <= 0) return m_recorder->spoil(); // changed under us
    if (++links > max_links) return;          // a loop: the lookup fails until a link in a recorded directory changes
    const std::string_view t(target, size_t(n));
    if (t.front() == '/') dir.clear();
    const auto hop = os::path_components(t);
    todo.insert(todo.end(), hop.rbegin(), hop.rend());
  }
}

Result<std::string> HostFs::resolve_in_root(std::string_view path) const {
  NVRUNC_TRY(dir, driver_dir());
  NVRUNC_TRY(fd, dir->open_at(path, O_PATH));
  // The kernel's own name for the opened file: resolution happened once, inside the root.
  char buf[PATH_MAX];
  const std::string proc = "/proc/self/fd/" + std::to_string(fd.get());
  ssize_t n = ::readlink(proc.c_str(), buf, sizeof buf - 1);
  if (n < 0) return fail_errno("resolve `" + std::string(path) + "`");
  std::string real(buf, static_cast<size_t>(n));
  const std::string root = os::clean_path(m_roots.driver_root.empty() ? "/" : m_roots.driver_root);
  if (root == "/") return real;
  if (real.compare(0, root.size(), root) != 0 || (real.size() > root.size() && real[root.size()] != '/'))
    return fail(Errc::unsafe_path, "resolve `" + std::string(path) + "`: outside the driver root");
  return real.size() == root.size() ? std::string("/") : real.substr(root.size());
}

std::string HostFs::driver_host_path(std::string_view path) const {
  return os::join_root(m_roots.driver_root, path);
}

bool HostFs::is_executable(std::string_view path) const { return os::is_executable_file(driver_host_path(path)); }

} // namespace nvrunc::discover
