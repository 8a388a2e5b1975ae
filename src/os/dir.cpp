#include "nvrunc/os/dir.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "nvrunc/os/unique_fd.hpp"

namespace nvrunc::os {

Result<std::vector<std::string>> read_dir_names(int dirfd) {
  UniqueFd fd(::openat(dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)); // our own offset, theirs untouched
  if (!fd.valid()) return fail_errno("open directory");
  return read_open_dir(fd.get());
}

Result<std::vector<std::string>> read_open_dir(int fd) {
  std::vector<std::string> names;
  alignas(8) char buf[16384];
  ssize_t n;
  while ((n = ::getdents64(fd, buf, sizeof buf)) > 0) {
    for (ssize_t off = 0; off < n;) {
      const auto* e = reinterpret_cast<const struct dirent64*>(buf + off);
      std::string_view name = e->d_name;
      if (name != "." && name != "..") names.emplace_back(name);
      off += e->d_reclen;
    }
  }
  if (n < 0) return fail_errno("read directory");
  std::sort(names.begin(), names.end());
  return names;
}

} // namespace nvrunc::os
