// Everything a simulated node holds besides its proc/driver/nvidia text files, driver libraries,
// binaries and ld.so.cache, as data (no I/O): device nodes, MIG capability files, sysfs, DRM nodes,
// graphics vendor files, firmware, IPC sockets and directories, feature nodes, and the lists of
// extra libraries. node_build.cpp materialises it; mock-driver.json is written from it; tests check
// it without root.
//
// Paths are absolute inside the node ("/dev/nvidia0" is DIR/dev/nvidia0), as discovery sees them
// under its driver, dev, proc and sys roots.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/mock/node_files.hpp"

namespace nvrunc::mock {

struct DeviceFile {
  std::string path;  // "/dev/nvidia-caps/nvidia-cap3"
  unsigned major = 0, minor = 0;
  unsigned mode = 0666;
  unsigned gid = 0;
  std::string what;  // "gpu", "nvidiactl", "mig-gi-access", "dri-render", "gds", ... (mock-driver.json)
};

struct PlainFile {
  std::string path;
  std::string content;
  unsigned mode = 0644;
  std::string what; // "mig", "sysfs", "graphics", "firmware", "gds"
};

struct LinkFile {
  std::string path;
  std::string target; // as stored in the link, usually relative
};

struct NodeLayout {
  std::vector<DeviceFile> devices;
  std::vector<PlainFile> files;
  std::vector<LinkFile> links;
  std::vector<std::string> dirs;    // empty directories: tmp/nvidia-mps, run/udev
  std::vector<std::string> sockets; // UNIX socket files: run/nvidia-persistenced/socket, ...
};

NodeLayout plan_layout(const NodeFacts& node);

// Parts of the layout, in the order plan_layout concatenates them.
std::vector<DeviceFile> node_devices(const NodeFacts& node); // every device node
void add_mig_files(const NodeFacts& node, NodeLayout& layout);      // proc/driver/nvidia{,-caps}
void add_sysfs(const NodeFacts& node, NodeLayout& layout);          // sys/, dev/dri/by-path
void add_graphics_files(const NodeFacts& node, NodeLayout& layout); // EGL, Vulkan, OpenCL, X, optix
void add_firmware(const NodeFacts& node, NodeLayout& layout);       // lib/firmware/nvidia/<V>
void add_ipc(const NodeFacts& node, NodeLayout& layout);            // sockets, MPS, var/run

// A library file of the node. `what` is the capability of a driver_files.hpp entry ("compute"), or
// for libraries outside that table "egl-platform", "vulkan-producer", "xorg-module".
struct LibraryFile {
  std::string dir;    // "/usr/lib/x86_64-linux-gnu"
  std::string file;   // "libcuda.so.550.54.15", "libnvidia-egl-gbm.so.1.1.2"
  std::string soname; // "libcuda.so.1"
  std::string prefix; // the driver_files.hpp prefix, "" for extra libraries
  std::string what;
  std::string path() const { return dir + "/" + file; }
};

// Every driver_files.hpp library as lib….so.<V> in lib_dir (SONAME from its soname_suffix).
std::vector<LibraryFile> native_libraries(const std::string& driver_version);
// The 32-bit builds of compat32_prefixes(), in lib32_dir.
std::vector<LibraryFile> compat32_libraries(const std::string& driver_version);
// Libraries outside the driver table: the EGL platform libraries with their own X.Y.Z versions and
// SONAME .so.1, libnvidia-vulkan-producer.so.<V>, and the X.Org modules nvidia_drv.so and
// libglxserver_nvidia.so.<V> in lib_dir/nvidia/xorg (not in any ld.so.conf directory, as on real
// hosts: the X server loads them by path).
std::vector<LibraryFile> extra_libraries(const std::string& driver_version);

// The driver_files.hpp prefixes a driver ships 32-bit builds of (usr/lib/i386-linux-gnu).
std::vector<std::string_view> compat32_prefixes();

// The driver binaries in usr/bin (one multi-call executable): nvidia-smi, nvidia-debugdump,
// nvidia-persistenced, the MPS pair, and nv-fabricmanager on NVSwitch nodes.
std::vector<std::string> node_binaries(const NodeFacts& node);

inline constexpr std::string_view lib_dir = "/usr/lib/x86_64-linux-gnu";
inline constexpr std::string_view lib32_dir = "/usr/lib/i386-linux-gnu";
inline constexpr unsigned drm_major = 226;

// The DRM minors of a GPU on a node with --dri: card<index+1> (card0 is the board's BMC VGA, as on
// DGX and most servers) and renderD<128+index>.
unsigned drm_card_minor(const Gpu& gpu);
unsigned drm_render_minor(const Gpu& gpu);

} // namespace nvrunc::mock
