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

std::vector<std::string> HostFs::recorded_listing(const std::string& host_path) const {
  auto l = list_directory(host_path);
  if (m_recorder) m_recorder->listing(host_path, l);
  return std::move(l.names);
}

std::vector<std::string> HostFs::list_proc(std::string_view rel) const {
  return recorded_listing(os::join_root(m_roots.proc_root, "/" + std::string(rel)));
}

std::vector<std::string> HostFs::list_dev(std::string_view dev_dir) const {
  return recorded_listing(os::join_root(m_roots.dev_root, dev_dir));
}

std::vector<std::string> HostFs::list_sys(std::string_view rel) const {
  return recorded_listing(os::join_root(m_roots.sys_root, "/" + std::string(rel)));
}

std::vector<std::string> HostFs::list_driver_dir(std::string_view path) const {
  const std::string host = driver_host_path(path);
  if (m_recorder) m_recorder->stat(host); // a directory's mtime moves with its entries
  return list_directory(host).names;
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
  auto real = resolve_in_root(path);
  if (m_recorder) record_lookup(path, real);
  return real;
}

// What a lookup depended on: the real file's directory, and the real directory of every lexical
// prefix of the path (where each name on the way, a symlink or not, lives). A failed lookup
// records the prefixes that exist: the first missing name would appear in the last one. The file
// itself is not recorded (observe.hpp: replaced files are noticed, files rewritten in place are not).
void HostFs::record_lookup(std::string_view path, const Result<std::string>& real) const {
  if (real) m_recorder->stat(driver_host_path(real->substr(0, std::max<size_t>(real->rfind('/'), 1))));
  const std::string lexical = os::clean_path(path);
  for (size_t end = 0; end != std::string::npos && end < lexical.size();) {
    const std::string prefix = end == 0 ? std::string("/") : lexical.substr(0, end);
    end = lexical.find('/', end + 1);
    auto [it, fresh] = m_real_dirs.try_emplace(prefix);
    if (fresh) {
      auto dir = resolve_in_root(prefix);
      it->second = dir ? *dir : std::string();
    }
    if (it->second.empty()) break; // this prefix is missing: its parent, recorded, would change
    m_recorder->stat(driver_host_path(it->second));
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
