#include "nvrunc/os/build.hpp"

#include <fcntl.h>
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <vector>

#include "nvrunc/os/file.hpp"
#include "nvrunc/os/unique_fd.hpp"

namespace nvrunc::os {

namespace fs = std::filesystem;

namespace {

Result<void> make_parent(const std::string& path) {
  auto dir = fs::path(path).parent_path().string();
  return dir.empty() ? Result<void>{} : make_dirs(dir);
}

Result<void> bind_socket(const std::string& address, const std::string& path) {
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (address.size() >= sizeof sa.sun_path)
    return fail(Errc::invalid_argument, "create socket `" + path + "`: path too long");
  std::copy(address.begin(), address.end(), sa.sun_path);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return fail_errno("create socket `" + path + "`");
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&sa), sizeof sa) != 0)
    return fail_errno("bind socket `" + path + "`");
  return {};
}

} // namespace

Result<void> make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return fail(Errc::io, "create `" + path + "`", ec.value());
  return {};
}

Result<void> write_new_file(const std::string& path, std::string_view content, mode_t mode) {
  if (auto made = make_parent(path); !made) return made;
  WriteOptions options;
  options.mode = mode;
  return write_file_atomic(path, content, options);
}

Result<void> make_symlink(const std::string& target, const std::string& link) {
  if (auto made = make_parent(link); !made) return made;
  ::unlink(link.c_str());
  if (::symlink(target.c_str(), link.c_str()) != 0) return fail_errno("link `" + link + "` to `" + target + "`");
  return {};
}

Result<void> make_char_node(const std::string& path, unsigned major, unsigned minor, mode_t mode, gid_t gid) {
  if (auto made = make_parent(path); !made) return made;
  if (auto made = make_char_device(path, major, minor, mode); !made) return made;
  if (gid != 0 && ::chown(path.c_str(), 0, gid) != 0) return fail_errno("chown `" + path + "`");
  return {};
}

Result<void> make_socket_file(const std::string& path, mode_t mode) {
  if (auto made = make_parent(path); !made) return made;
  ::unlink(path.c_str());
  const std::string dir = fs::path(path).parent_path().string(), name = fs::path(path).filename().string();
  if (path.size() < sizeof(sockaddr_un::sun_path)) {
    if (auto bound = bind_socket(path, path); !bound) return bound;
  } else {
    UniqueFd dirfd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (!dirfd.valid()) return fail_errno("open `" + dir + "`");
    auto bound = bind_socket("/proc/self/fd/" + std::to_string(dirfd.get()) + "/" + name, path);
    if (!bound) return bound;
  }
  if (::chmod(path.c_str(), mode) != 0) return fail_errno("chmod `" + path + "`");
  return {};
}

std::optional<unsigned> host_group(const char* name) {
  std::vector<char> buf(16384);
  group entry{};
  group* found = nullptr;
  if (::getgrnam_r(name, &entry, buf.data(), buf.size(), &found) != 0 || found == nullptr) return std::nullopt;
  return unsigned(found->gr_gid);
}

} // namespace nvrunc::os
