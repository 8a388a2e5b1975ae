#include "nvrunc/discover/driver_files.hpp"

#include <array>

namespace nvrunc::discover {

namespace {
using C = Capability;

// Order inside a capability follows libnvidia-container; `video` implies the compute list and
// `display` the graphics list (see plan), so each library appears once here.
constexpr std::array libraries = {
    DriverLibrary{"libnvidia-ml.so", C::utility, "1"},
    DriverLibrary{"libnvidia-cfg.so", C::utility, "1"},
    DriverLibrary{"libnvidia-nscq.so", C::utility, "2"},
    DriverLibrary{"libcuda.so", C::compute, "1"},
    DriverLibrary{"libcudadebugger.so", C::compute, "1"},
    DriverLibrary{"libnvidia-opencl.so", C::compute, "1"},
    DriverLibrary{"libnvidia-gpucomp.so", C::compute, ""},
    DriverLibrary{"libnvidia-ptxjitcompiler.so", C::compute, "1"},
    DriverLibrary{"libnvidia-fatbinaryloader.so", C::compute, ""},
    DriverLibrary{"libnvidia-allocator.so", C::compute, "1"},
    DriverLibrary{"libnvidia-compiler.so", C::compute, ""},
    DriverLibrary{"libnvidia-pkcs11.so", C::compute, ""},
    DriverLibrary{"libnvidia-pkcs11-openssl3.so", C::compute, ""},
    DriverLibrary{"libnvidia-nvvm.so", C::compute, "4"},
    DriverLibrary{"libnvidia-tileiras.so", C::compute, ""},
    DriverLibrary{"libvdpau_nvidia.so", C::video, "1"},
    DriverLibrary{"libnvidia-encode.so", C::video, "1"},
    DriverLibrary{"libnvidia-opticalflow.so", C::video, "1"},
    DriverLibrary{"libnvcuvid.so", C::video, "1"},
    DriverLibrary{"libnvidia-eglcore.so", C::graphics, ""},
    DriverLibrary{"libnvidia-glcore.so", C::graphics, ""},
    DriverLibrary{"libnvidia-tls.so", C::graphics, ""},
    DriverLibrary{"libnvidia-glsi.so", C::graphics, ""},
    DriverLibrary{"libnvidia-fbc.so", C::graphics, "1"},
    DriverLibrary{"libnvidia-ifr.so", C::graphics, "1"},
    DriverLibrary{"libnvidia-rtcore.so", C::graphics, ""},
    DriverLibrary{"libnvoptix.so", C::graphics, "1"},
    DriverLibrary{"libGLX_nvidia.so", C::graphics, "0"},
    DriverLibrary{"libEGL_nvidia.so", C::graphics, "0"},
    DriverLibrary{"libGLESv2_nvidia.so", C::graphics, "2"},
    DriverLibrary{"libGLESv1_CM_nvidia.so", C::graphics, "1"},
    DriverLibrary{"libnvidia-glvkspirv.so", C::graphics, ""},
    DriverLibrary{"libnvidia-cbl.so", C::graphics, ""},
    DriverLibrary{"libnvidia-vulkan-producer.so", C::graphics, ""},
    DriverLibrary{"libnvidia-ngx.so", C::ngx, "1"},
};

constexpr std::array platform_libraries = {
    DriverLibrary{"libnvidia-egl-gbm.so", C::graphics, "1"},
    DriverLibrary{"libnvidia-egl-wayland.so", C::graphics, "1"},
    DriverLibrary{"libnvidia-egl-wayland2.so", C::graphics, "1"},
    DriverLibrary{"libnvidia-egl-xcb.so", C::graphics, "1"},
    DriverLibrary{"libnvidia-egl-xlib.so", C::graphics, "1"},
};

constexpr std::array binaries = {
    DriverBinary{"nvidia-smi", C::utility},
    DriverBinary{"nvidia-debugdump", C::utility},
    DriverBinary{"nvidia-persistenced", C::utility},
    DriverBinary{"nv-fabricmanager", C::utility},
    DriverBinary{"nvidia-cuda-mps-control", C::compute},
    DriverBinary{"nvidia-cuda-mps-server", C::compute},
};
} // namespace

std::span<const DriverLibrary> driver_libraries() { return libraries; }
std::span<const DriverLibrary> driver_platform_libraries() { return platform_libraries; }
std::span<const DriverBinary> driver_binaries() { return binaries; }

} // namespace nvrunc::discover
