// Discovery: what the driver on this host offers, read once per `create` through HostFs (DESIGN.md
// §1 step 6). Read-only and cheap: procfs, /dev, the ld.so.cache and a few ELF headers; no NVML.
//
// - Driver version: /proc/driver/nvidia/version (empty = no driver loaded).
// - GPUs: /proc/driver/nvidia/gpus/*/information, indexed in PCI bus order (NVML's default order).
// - Nodes: /dev/nvidiactl (195:255), /dev/nvidiaN (195:N), /dev/nvidia-uvm and -uvm-tools (the
//   dynamic `nvidia-uvm` major from /proc/devices, minors 0 and 1), /dev/nvidia-modeset (195:254).
//   A host node's type/major/minor must match those numbers; its mode and owner are copied. A node
//   missing on the host (no nvidia-modprobe yet) is described from the numbers alone: runc creates
//   it inside the container.
// - Libraries: ld.so.cache entries of the native architecture whose SONAME starts with a driver
//   library prefix (driver_files.hpp) and whose real file name, after symlinks are resolved inside
//   the driver root, ends in ".<driver version>"; the last valid entry in cache order wins, as in
//   libnvidia-container. 32-bit ones are collected separately.
// - Binaries: the first ELF executable found in the configured search directories, inside the root.
// - MIG (procfs only): the GPU and compute instances under
//   /proc/driver/nvidia/capabilities/gpu<minor>/mig/gi<G>[/ci<C>]/access, whose DeviceFileMinor is
//   the minor of /dev/nvidia-caps/nvidia-cap<N> (major `nvidia-caps` in /proc/devices).
// - DRM: <sys>/bus/pci/devices/<bus>/drm/{card*,renderD*} of each GPU, as /dev/dri nodes (226:N).
// - Files: IPC sockets and the MPS pipe directory, GSP firmware, the graphics vendor files
//   (EGL/Vulkan/OpenCL/X), X.Org modules; feature nodes (GDS, MOFED, NVSwitch, GDRCopy). Each only
//   when present on the host.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nvrunc/common/capability.hpp"
#include "nvrunc/common/error.hpp"
#include "nvrunc/discover/host_fs.hpp"

namespace nvrunc::discover {

inline constexpr std::uint32_t nvidia_major = 195;
inline constexpr std::uint32_t nvidiactl_minor = 255;
inline constexpr std::uint32_t modeset_minor = 254;

struct DeviceNode {
  std::string path; // in the container and under the dev root: "/dev/nvidia0"
  char type = 'c';
  std::uint32_t major = 0, minor = 0;
  std::uint32_t mode = 0666;
  std::uint32_t uid = 0, gid = 0;
  bool on_host = false; // false: described from the driver's numbers, runc will create it
  std::string problem;  // non-empty: unusable (e.g. the host node has other numbers)
};

// One MIG device as procfs shows it: a compute instance inside a GPU instance.
struct MigInstance {
  unsigned gi = 0, ci = 0;
  DeviceNode gi_cap, ci_cap; // /dev/nvidia-caps/nvidia-cap<N> of the two access capabilities
};

struct Gpu {
  unsigned index = 0; // position in PCI bus order
  unsigned minor = 0;
  std::string uuid;   // "GPU-…"
  std::string bus_id; // normalised "%08x:%02x:%02x.%x"
  std::string model;
  DeviceNode node;
  std::vector<MigInstance> mig; // empty unless MIG is enabled and instances exist
  std::vector<DeviceNode> drm;  // /dev/dri/card<N>, /dev/dri/renderD<M>
};

// A host file or directory that is bind-mounted as it is.
struct HostFile {
  std::string container_path;
  std::string host_path;
  std::string what; // "persistenced socket", "GSP firmware", ...
  Capability capability = Capability::utility; // which request brings it (not used for firmware)
};

enum class Feature : std::uint8_t { gds, mofed, nvswitch, gdrcopy };
inline constexpr int feature_count = 4;

struct Library {
  std::string prefix; // the driver_files.hpp entry it matched: "libcuda.so"
  Capability capability = Capability::compute;
  std::string path;      // real path inside the driver root
  std::string host_path; // the same file as seen from the host
  std::string soname;    // DT_SONAME ("" if none)
  std::string_view file_name() const { return std::string_view(path).substr(path.rfind('/') + 1); }
};

struct Binary {
  std::string name;
  Capability capability = Capability::utility;
  std::string path; // real path inside the driver root
  std::string host_path;
};

struct Inventory {
  std::string driver_version; // "" = no NVIDIA kernel driver loaded
  std::vector<Gpu> gpus;
  std::optional<DeviceNode> nvidiactl, uvm, uvm_tools, modeset;
  std::optional<DeviceNode> mig_config, mig_monitor; // nvidia-caps config and monitor
  std::vector<Library> libraries;   // native architecture
  std::vector<Library> libraries32; // 32-bit companions (compat32)
  std::vector<Binary> binaries;
  std::vector<HostFile> ipc;             // utility: persistenced, fabricmanager; compute: MPS
  std::vector<HostFile> firmware;        // GSP firmware, for every GPU container
  std::vector<HostFile> graphics_files;  // vendor files the EGL/Vulkan/OpenCL/X loaders read
  std::vector<HostFile> xorg_modules;    // mounted at their host paths
  std::vector<DeviceNode> features[feature_count]; // by Feature
  std::vector<std::string> warnings; // what was skipped and why

  bool driver_loaded() const { return !driver_version.empty(); }
};

struct DiscoverOptions {
  std::string ldcache = "/etc/ld.so.cache"; // inside the driver root
  std::vector<std::string> binary_search_paths{"/usr/bin", "/usr/sbin", "/bin", "/sbin"};
  std::string mps_pipe_directory = "/tmp/nvidia-mps"; // $CUDA_MPS_PIPE_DIRECTORY of the host side
};

std::string_view feature_name(Feature f);

Result<Inventory> discover(const HostFs& fs, const DiscoverOptions& options);

} // namespace nvrunc::discover
