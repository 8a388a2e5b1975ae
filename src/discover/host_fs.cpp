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
  return os::read_file(os::join_root(m_roots.proc_root, "/" + std::string(rel)), 1u << 20);
}

namespace {

std::vector<std::string> list_dir(const std::string& dir) {
  std::vector<std::string> names;
  DIR* d = ::opendir(dir.c_str());
  if (!d) return names;
  while (auto* e = ::readdir(d)) {
    std::string_view n = e->d_name;
    if (n != "." && n != "..") names.emplace_back(n);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace

std::vector<std::string> HostFs::list_proc(std::string_view rel) const {
  return list_dir(os::join_root(m_roots.proc_root, "/" + std::string(rel)));
}

std::vector<std::string> HostFs::list_dev(std::string_view dev_dir) const {
  return list_dir(os::join_root(m_roots.dev_root, dev_dir));
}

std::vector<std::string> HostFs::list_sys(std::string_view rel) const {
  return list_dir(os::join_root(m_roots.sys_root, "/" + std::string(rel)));
}

std::vector<std::string> HostFs::list_driver_dir(std::string_view path) const {
  return list_dir(driver_host_path(path));
}

Result<std::optional<NodeInfo>> HostFs::stat_node(std::string_view dev_path) const {
  const std::string path = os::join_root(m_roots.dev_root, dev_path);
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
  return os::read_file(driver_host_path(path), limit);
}

Result<std::string> HostFs::resolve_driver_path(std::string_view path) const {
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
