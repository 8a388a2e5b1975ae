// What an NVIDIA driver installs, per capability: the libraries (matched by file-name prefix in the
// ld.so.cache, as libnvidia-container does) and the binaries. The facts come from libnvidia-container's
// nvc_info.c lists; see shared/reference/libnvidia-container.md §2.1-§2.2.
//
// `soname_suffix` is what follows ".so." in the SONAME of a current (5xx) driver: "1" for libcuda.so.1,
// "" when the SONAME is the versioned file name itself (libnvidia-glcore.so.<ver>). Discovery does not
// need it (the ld.so.cache key is the SONAME); the simulated node uses it to build faithful libraries.
#pragma once

#include <span>
#include <string_view>

#include "nvrunc/common/capability.hpp"

namespace nvrunc::discover {

struct DriverLibrary {
  std::string_view prefix; // "libcuda.so"
  Capability capability;
  std::string_view soname_suffix;
};

struct DriverBinary {
  std::string_view name;
  Capability capability;
};

std::span<const DriverLibrary> driver_libraries();
// Libraries shipped with the driver that carry their own version, not the driver's
// (libnvidia-egl-gbm.so.1.1.2, libnvidia-egl-wayland.so.1.1.17, ...; reference §2.7).
std::span<const DriverLibrary> driver_platform_libraries();
std::span<const DriverBinary> driver_binaries();

} // namespace nvrunc::discover
