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
// Identities are deterministic: the same spec gives the same UUIDs, bus ids and files (golden tests).
// Building needs root (mknod). A non-empty DIR is replaced only if it holds mock-driver.json and
// `force` is set; a directory without that marker is never deleted.
#pragma once

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
};

struct Gpu {
  unsigned index = 0;
  unsigned minor = 0;
  std::string uuid;       // GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx
  unsigned domain = 0;    // PCI domain, bus; device and function are 0
  unsigned bus = 0;
  GpuModel model;

  std::string bus_id() const;      // NVML's form: "00000000:07:00.0"
  std::string proc_bus_id() const; // /proc/driver/nvidia/gpus/<this>: "0000:07:00.0"
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
  std::vector<std::string> libraries; // file names written to usr/lib/x86_64-linux-gnu
};

inline constexpr int max_gpus = 64;

// Checks a spec without touching anything (Errc::invalid_argument, message names the field).
Result<void> validate(const NodeSpec& spec);

// The model table entry for `name`, or A100-80GB values under that name.
GpuModel lookup_model(const std::string& name);

// The GPUs of a spec: minor = index, UUIDs from (seed, index), PCI buses from a DGX-like list.
std::vector<Gpu> plan_gpus(const NodeSpec& spec);

// "12.4" -> 12040 and back (major = v/1000, minor = (v%1000)/10, as libnvidia-container prints it).
Result<int> parse_cuda_version(const std::string& text);
std::string format_cuda_version(int version);

// Builds the node. On failure DIR may hold a partial node, replaceable with `force`.
Result<NodeReport> build_node(const NodeSpec& spec);

} // namespace nvrunc::mock
