// What the container image decides about placement: read on the host, but every lookup resolved
// inside the rootfs (os::RootDir), and only names and types are read — nothing from the image is
// mounted, executed or loaded (the CVE-2024-0132 lesson).
#include <fcntl.h>

#include "nvrunc/os/dir.hpp"
#include "nvrunc/os/rooted.hpp"
#include "nvrunc/runtime/shim.hpp"
#include "nvrunc/spec/view.hpp"

namespace nvrunc::runtime {

namespace {

constexpr std::string_view compat_dir = "/usr/local/cuda/compat";

// Where 32-bit libraries go: Debian's multiarch directory, else /usr/lib32, else /usr/lib when the
// image has them (libnvidia-container's rule); "" when there is no such place.
Result<std::string> library_dir32(const os::RootDir& root, bool debian) {
#if defined(__x86_64__)
  if (debian) return std::string("/usr/lib/i386-linux-gnu");
  for (const char* dir : {"/usr/lib32", "/usr/lib"}) {
    NVRUNC_TRY(exists, root.exists(dir));
    if (exists) return std::string(dir);
  }
#else
  (void)root, (void)debian;
#endif
  return std::string();
}

// The image's CUDA forward-compatibility libcuda versions (file names only).
Result<std::vector<std::string>> compat_libraries(const os::RootDir& root) {
  auto dir = root.open_at(compat_dir, O_RDONLY | O_DIRECTORY);
  if (!dir) {
    if (dir.error().code() == Errc::not_found || dir.error().sys_errno() == ENOTDIR) return std::vector<std::string>();
    return fail(std::move(dir.error()));
  }
  return os::read_dir_names(dir->get());
}

} // namespace

Result<plan::Target> inspect_rootfs(const spec::Json& spec, const std::string& bundle, const std::string& driver_version) {
  const std::string rootfs = spec::rootfs_host_path(spec, bundle.empty() ? "." : bundle);
  if (rootfs.empty()) return fail(Errc::bad_spec, "read `root.path`: missing from config.json");
  NVRUNC_TRY(root, os::RootDir::open(rootfs));
  NVRUNC_TRY(debian, root.exists("/etc/debian_version"));
  plan::Target target;
  target.library_dir = plan::library_dir_for(debian);
  NVRUNC_TRY(lib32, library_dir32(root, debian));
  target.library_dir32 = lib32;
  NVRUNC_TRY(names, compat_libraries(root));
  if (plan::forward_compat_applies(names, driver_version)) target.compat_dir = std::string(compat_dir);
  return target;
}

} // namespace nvrunc::runtime
