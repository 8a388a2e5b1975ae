// Driver files other than libraries: binaries, IPC endpoints, firmware, graphics vendor files and
// X.Org modules (reference libnvidia-container.md §2.2-§2.4, §2.7). Each only when present.
#include <algorithm>
#include <array>

#include "internal.hpp"
#include "nvrunc/discover/driver_files.hpp"
#include "nvrunc/discover/elf.hpp"

namespace nvrunc::discover::detail {

namespace {

struct VendorFile {
  std::string_view relative;       // under one of the search bases
  std::string_view container_base; // where loaders look for it in the container
};

// Searched under <driver root>/etc, then $XDG_DATA_DIRS' defaults, as the toolkit does.
constexpr std::array<std::string_view, 3> vendor_bases = {"/etc", "/usr/local/share", "/usr/share"};
constexpr std::array vendor_files = {
    VendorFile{"glvnd/egl_vendor.d/10_nvidia.json", "/usr/share"},
    VendorFile{"egl/egl_external_platform.d/15_nvidia_gbm.json", "/usr/share"},
    VendorFile{"egl/egl_external_platform.d/10_nvidia_wayland.json", "/usr/share"},
    VendorFile{"egl/egl_external_platform.d/09_nvidia_wayland2.json", "/usr/share"},
    VendorFile{"egl/egl_external_platform.d/20_nvidia_xcb.json", "/usr/share"},
    VendorFile{"egl/egl_external_platform.d/20_nvidia_xlib.json", "/usr/share"},
    VendorFile{"nvidia/nvoptix.bin", "/usr/share"},
    VendorFile{"X11/xorg.conf.d/10-nvidia.conf", "/usr/share"},
    VendorFile{"X11/xorg.conf.d/nvidia-drm-outputclass.conf", "/usr/share"},
    VendorFile{"OpenCL/vendors/nvidia.icd", "/etc"},
    VendorFile{"vulkan/icd.d/nvidia_icd.json", "/etc"},
    VendorFile{"vulkan/icd.d/nvidia_icd.x86_64.json", "/etc"},
    VendorFile{"vulkan/icd.d/nvidia_layers.json", "/etc"},
    VendorFile{"vulkan/implicit_layer.d/nvidia_layers.json", "/etc"},
};

struct Endpoint {
  std::array<std::string_view, 2> candidates;
  std::string_view what;
  Capability capability;
};
constexpr std::array endpoints = {
    Endpoint{{"/run/nvidia-persistenced/socket", "/var/run/nvidia-persistenced/socket"}, "persistenced socket",
             Capability::utility},
    Endpoint{{"/run/nvidia-fabricmanager/socket", "/var/run/nvidia-fabricmanager/socket"}, "fabricmanager socket",
             Capability::utility},
};

constexpr std::array<std::string_view, 2> firmware_dirs = {"/lib/firmware/nvidia", "/lib/firmware/updates/nvidia"};
constexpr std::array<std::string_view, 5> xorg_dirs = {"nvidia/xorg", "xorg/modules/drivers", "xorg/modules/extensions",
                                                       "xorg/modules/updates/drivers", "xorg/modules/updates/extensions"};

void discover_binaries(const HostFs& fs, const DiscoverOptions& options, Inventory& inv) {
  for (const auto& bin : driver_binaries()) {
    std::vector<std::string> rejected; // /bin and /usr/bin are often one directory: say it once
    for (const auto& dir : options.binary_search_paths) {
      auto real = fs.resolve_driver_path(dir + "/" + std::string(bin.name));
      if (!real || !fs.is_executable(*real)) continue;
      const std::string host = fs.driver_host_path(*real);
      if (!is_elf_file(host)) {
        if (std::find(rejected.begin(), rejected.end(), host) == rejected.end())
          inv.warnings.push_back("skipping `" + host + "`: not an ELF executable (a wrapper script?)");
        rejected.push_back(host);
        continue;
      }
      inv.binaries.push_back({std::string(bin.name), bin.capability, *real, host});
      break;
    }
  }
}

} // namespace

void discover_ipc(const HostFs& fs, const DiscoverOptions& options, Inventory& inv) {
  for (const auto& e : endpoints)
    for (auto candidate : e.candidates)
      if (auto real = fs.resolve_driver_path(candidate)) {
        inv.ipc.push_back({std::string(e.candidates[0]), fs.driver_host_path(*real), std::string(e.what), e.capability});
        break;
      }
  if (auto mps = fs.resolve_driver_path(options.mps_pipe_directory); mps && !fs.list_driver_dir(*mps).empty())
    inv.ipc.push_back({options.mps_pipe_directory, fs.driver_host_path(*mps), "MPS pipe directory", Capability::compute});
}

namespace {

void discover_firmware(const HostFs& fs, const std::string& version, Inventory& inv) {
  for (auto base : firmware_dirs) {
    const std::string dir = std::string(base) + "/" + version;
    auto real = fs.resolve_driver_path(dir);
    if (!real) continue;
    for (const auto& name : fs.list_driver_dir(*real))
      if (name.starts_with("gsp") && name.ends_with(".bin"))
        inv.firmware.push_back({dir + "/" + name, fs.driver_host_path(*real + "/" + name), "GSP firmware"});
  }
}

void discover_vendor_files(const HostFs& fs, Inventory& inv) {
  for (const auto& f : vendor_files)
    for (auto base : vendor_bases)
      if (auto real = fs.resolve_driver_path(std::string(base) + "/" + std::string(f.relative))) {
        inv.graphics_files.push_back({std::string(f.container_base) + "/" + std::string(f.relative),
                                      fs.driver_host_path(*real), "graphics vendor file", Capability::graphics});
        break;
      }
}

// X.Org modules live next to the driver's libraries; they are mounted at their host paths.
void discover_xorg_modules(const HostFs& fs, const std::string& version, Inventory& inv) {
  if (inv.libraries.empty()) return;
  const std::string& any = inv.libraries.front().path;
  const std::string libdir = any.substr(0, any.rfind('/'));
  for (const auto& name : {std::string("nvidia_drv.so"), "libglxserver_nvidia.so." + version})
    for (auto dir : xorg_dirs) {
      const std::string path = libdir + "/" + std::string(dir) + "/" + name;
      if (auto real = fs.resolve_driver_path(path)) {
        inv.xorg_modules.push_back({path, fs.driver_host_path(*real), "X.Org module", Capability::graphics});
        break;
      }
    }
}

} // namespace

void discover_files(const HostFs& fs, const DiscoverOptions& options, Inventory& inv) {
  discover_binaries(fs, options, inv);
  discover_firmware(fs, inv.driver_version, inv);
  discover_vendor_files(fs, inv);
  discover_xorg_modules(fs, inv.driver_version, inv);
}

} // namespace nvrunc::discover::detail
