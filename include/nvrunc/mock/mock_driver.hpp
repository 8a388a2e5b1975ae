// The simulated GPU node (DESIGN.md §5): `nvrunc-ctl mock-driver --root DIR` builds, under DIR, a node
// that nvrunc cannot tell from a real one once NVRUNC_CONFIG points at DIR/config.toml:
//
//   dev/nvidiactl, dev/nvidia<i>, dev/nvidia-modeset   c 195:255, 195:i, 195:254 (0666)
//   dev/nvidia-uvm, dev/nvidia-uvm-tools               c U:0, U:1, U a major this host has not
//                                                       registered, so opening any node gives ENXIO
//   proc/devices, proc/driver/nvidia/{version,params,registry,gpus/<bus>/information}
//   usr/lib/x86_64-linux-gnu/lib….so.<V>              real ELF libraries with the driver's SONAMEs;
//                                                       libnvidia-ml and libcuda answer NVML/CUDA calls
//   usr/bin/nvidia-smi (and the other driver binaries) prints through NVML
//   etc/ld.so.conf{,.d/nvidia.conf}, etc/ld.so.cache    the cache built by the host's `ldconfig -r DIR`
//   config.toml, mock-driver.json                       nvrunc's config; the node's machine description
//
// Always, as every 5xx driver installs them: the graphics vendor files (EGL, Vulkan, OpenCL, X.Org;
// node_layout.hpp), the EGL platform libraries with their own versions, the X.Org modules, the GSP
// firmware in lib/firmware/nvidia/<V>/, and sys/bus/pci/devices/<bus> for each GPU. Optional (spec):
// MIG (mig.hpp), DRM nodes, 32-bit libraries, IPC sockets, GDS/MOFED/NVSwitch/GDRCopy nodes.
//
// Identities are deterministic: the same spec gives the same UUIDs, bus ids and files (golden tests).
// Building needs root (mknod). A non-empty DIR is replaced only if it holds mock-driver.json and
// `force` is set; a directory without that marker is never deleted.
#pragma once

#include <array>
#include <string>
#include <vector>

#include "nvrunc/common/error.hpp"

namespace nvrunc::mock {

// What a GPU model looks like to NVML (a small table of real models; unknown names get A100 values).
struct GpuModel {
  std::string name;               // "NVIDIA A100-SXM4-80GB"
  unsigned pci_device_id = 0;     // device << 16 | 0x10de, as NVML reports it
  unsigned pci_subsystem_id = 0;
  int brand = 14;                 // nvmlBrandType (14 = NVML_BRAND_NVIDIA)
  int cc_major = 8, cc_minor = 0; // CUDA compute capability
  unsigned memory_mib = 0;
  unsigned power_watts = 0;
  bool mig_capable = false;
  std::string vbios;
  // MIG profile memory names for 1, 2, 4 and 8 memory slices ("10gb", "20gb", "40gb", "80gb" on
  // an A100 80GB); empty when the model has no MIG.
  std::array<std::string, 4> mig_memory{};
};

// One MIG device: a compute instance (CI) inside a GPU instance (GI) of a MIG-enabled GPU.
struct MigDevice {
  unsigned index = 0;             // position on its GPU (nvmlDeviceGetMigDeviceHandleByIndex, -L)
  unsigned gi = 0, ci = 0;        // GPU instance id, compute instance id
  std::string profile;            // NVML's name suffix: "1g.10gb", or "1c.3g.40gb" for a partial CI
  std::string gi_profile;         // "3g.40gb"
  unsigned gi_slices = 0;         // compute slices of the GI
  unsigned ci_slices = 0;         // compute slices of this CI
  unsigned memory_slices = 0;     // memory slices of the GI (1, 2, 4 or 8 of 8)
  unsigned placement = 0;         // first memory slice of the GI
  unsigned memory_mib = 0;        // the GI's memory, shared by its CIs
  std::string uuid;               // MIG-xxxxxxxx-xxxx-5xxx-xxxx-xxxxxxxxxxxx
  unsigned gi_cap = 0, ci_cap = 0; // nvidia-caps minors of gpu<minor>/gi<G>/access and …/ci<C>/access
};

struct Gpu {
  unsigned index = 0;
  unsigned minor = 0;
  std::string uuid;       // GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx
  unsigned domain = 0;    // PCI domain, bus; device and function are 0
  unsigned bus = 0;
  GpuModel model;
  bool mig_enabled = false;
  std::vector<MigDevice> mig; // ordered by (gi, ci); empty unless mig_enabled

  std::string bus_id() const;      // NVML's form: "00000000:07:00.0"
  std::string proc_bus_id() const; // /proc/driver/nvidia/gpus/<this>: "0000:07:00.0"
};

// MIG on one GPU: `layout` is a comma-separated list of MIG device profiles (grammar: mig.hpp);
// "" is the model's default layout.
struct MigRequest {
  unsigned gpu = 0; // GPU index
  std::string layout;
};

// The optional parts of a node, each off by default (so a plain node stays what it always was).
struct NodeFeatures {
  bool dri = false;           // dev/dri/card*, renderD*, by-path links, sys/…/drm/*
  bool compat32 = false;      // usr/lib/i386-linux-gnu: 32-bit companions in the ld.so.cache
  bool persistenced = false;  // run/nvidia-persistenced/socket
  bool fabricmanager = false; // run/nvidia-fabricmanager/socket
  bool mps = false;           // tmp/nvidia-mps/
  bool gds = false;           // dev/nvidia-fs*, etc/cufile.json, run/udev/
  bool mofed = false;         // dev/infiniband/{uverbs0,uverbs1,rdma_cm}
  bool nvswitch = false;      // dev/nvidia-nvswitchctl, dev/nvidia-nvswitch<N>
  bool gdrcopy = false;       // dev/gdrdrv
};

struct NodeSpec {
  std::string root;                          // DIR; made absolute
  int gpus = 2;                              // 1..64
  std::string driver_version = "550.54.15";  // digits and dots
  int cuda_version = 12040;                  // 1000*major + 10*minor
  std::string model = "NVIDIA A100-SXM4-80GB";
  std::string uuid_seed;                     // varies the UUIDs; "" = the default set
  bool force = false;                        // replace an existing node at DIR
  std::string host_proc_devices = "/proc/devices"; // where free character majors are looked up
  std::string host_proc_misc = "/proc/misc";       // where a free misc minor is looked up (rdma_cm)
  std::vector<MigRequest> mig;               // GPUs with MIG enabled
  NodeFeatures features;
  std::string ldconfig;                      // "" = /sbin/ldconfig.real if present, else /sbin/ldconfig
};

struct NodeReport {
  std::string root;        // absolute
  std::string config_path; // root + "/config.toml"
  std::string driver_version;
  int cuda_version = 0;
  unsigned uvm_major = 0;
  unsigned caps_major = 0;
  std::vector<Gpu> gpus;
  std::vector<std::string> libraries;   // file names written to usr/lib/x86_64-linux-gnu
  std::vector<std::string> libraries32; // file names written to usr/lib/i386-linux-gnu
  NodeFeatures features;
};

inline constexpr int max_gpus = 64;
// The "DGX" preset: 8 GPUs, MIG (default layout) on GPUs 1 and 6 unless `spec.mig` already says
// otherwise, and every feature on. The golden tests' 8-GPU node with MIG on some GPUs.
void apply_dgx_preset(NodeSpec& spec);

// Checks a spec without touching anything (Errc::invalid_argument, message names the field).
Result<void> validate(const NodeSpec& spec);

// The model table entry for `name`, or A100-80GB values under that name.
GpuModel lookup_model(const std::string& name);

// The GPUs of a spec: minor = index, UUIDs from (seed, index), PCI buses from a DGX-like list.
// MIG is not applied here (see plan_node_gpus).
std::vector<Gpu> plan_gpus(const NodeSpec& spec);

// plan_gpus plus the MIG layouts of spec.mig (mig.hpp); fails (Errc::invalid_argument) on a bad
// MIG request.
Result<std::vector<Gpu>> plan_node_gpus(const NodeSpec& spec);

// "12.4" -> 12040 and back (major = v/1000, minor = (v%1000)/10, as libnvidia-container prints it).
Result<int> parse_cuda_version(const std::string& text);
std::string format_cuda_version(int version);

// Builds the node. On failure DIR may hold a partial node, replaceable with `force`.
Result<NodeReport> build_node(const NodeSpec& spec);

} // namespace nvrunc::mock
