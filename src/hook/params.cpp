#include "nvrunc/hook/params.hpp"

#include <fcntl.h>
#include <sys/stat.h>

namespace nvrunc::hook {

namespace {

constexpr std::string_view modifiable = "ModifyDeviceFiles: 1";
constexpr std::string_view unmodifiable = "ModifyDeviceFiles: 0";

} // namespace

std::optional<std::string> mask_modify_device_files(std::string_view params) {
  std::string out;
  out.reserve(params.size());
  bool changed = false;
  while (!params.empty()) {
    const size_t end = params.find('\n');
    const std::string_view line = params.substr(0, end);
    const bool hit = line == modifiable;
    out += hit ? unmodifiable : line;
    changed = changed || hit;
    if (end == std::string_view::npos) break;
    out += '\n';
    params.remove_prefix(end + 1);
  }
  if (!changed) return std::nullopt;
  return out;
}

Result<bool> mask_params(const os::RootDir& root, std::string_view path, os::CloneVia via) {
  const std::string what = "mask `" + std::string(path) + "`";
  // One descriptor for both the read and the mount target. O_NONBLOCK: a FIFO planted by an image
  // without its own /proc must not hang the hook before the type check.
  auto fd = root.open_at(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY);
  if (!fd && fd.error().code() == Errc::not_found) return false;
  if (!fd) return fail(std::move(fd.error()).wrap(what));
  struct stat st;
  if (::fstat(fd->get(), &st) != 0) return fail_errno(what + ": stat");
  if (!S_ISREG(st.st_mode)) return fail(Errc::unsupported, what + ": not a regular file");
  auto text = os::read_fd(fd->get(), max_params_size);
  if (!text) return fail(std::move(text.error()).wrap(what));
  auto masked = mask_modify_device_files(*text);
  if (!masked) return false;
  os::MemoryFile file{"params", std::move(*masked), static_cast<mode_t>(st.st_mode & 0777)};
  if (auto mounted = os::mount_memory_file(file, fd->get(), via); !mounted)
    return fail(std::move(mounted.error()).wrap(what));
  return true;
}

} // namespace nvrunc::hook
