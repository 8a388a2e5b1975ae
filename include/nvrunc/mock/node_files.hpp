// The text files of a simulated node, as pure functions of its description (no I/O), so their
// formats are unit-tested against the real driver's: /proc/driver/nvidia/* (reference
// libnvidia-container.md §2.5, §4.4), /proc/devices (§3, §9), the library description patched into
// libnvidia-ml/libcuda, nvrunc's config.toml and the machine-readable mock-driver.json.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "nvrunc/mock/mock_driver.hpp"

namespace nvrunc::mock {

// Everything the files depend on.
struct NodeFacts {
  std::string root; // absolute
  std::string driver_version;
  int cuda_version = 0;
  unsigned uvm_major = 0;  // nvidia-uvm's (simulated) dynamic major
  unsigned caps_major = 0; // nvidia-caps'
  std::vector<Gpu> gpus;
  NodeFeatures features;
  // Numbers of the optional drivers' nodes; 0 while their feature is off (assign_numbers).
  unsigned nvidia_fs_major = 0, nvswitch_major = 0, gdrdrv_major = 0;
  unsigned uverbs_major = 0;  // infiniband_verbs: 231 when this host leaves it free
  unsigned rdma_cm_minor = 0; // misc (10) minor of rdma_cm
  unsigned video_gid = 44, render_gid = 44; // owners of dev/dri/card* and renderD*

  bool has_mig() const;
};

// The description the driver library parses (format: src/mock/assets/mock_driver.c).
std::string library_description(const NodeFacts& node);

std::string proc_version(const NodeFacts& node);   // /proc/driver/nvidia/version
std::string proc_params();                         // /proc/driver/nvidia/params
std::string proc_registry();                       // /proc/driver/nvidia/registry
std::string proc_gpu_information(const NodeFacts& node, const Gpu& gpu); // gpus/<bus>/information
std::string proc_devices(const NodeFacts& node);   // /proc/devices

std::string config_toml(const NodeFacts& node);
std::string node_json(const NodeFacts& node);      // mock-driver.json

// TOML basic string: "…" with \\, \" and control characters escaped.
std::string toml_quote(const std::string& text);

// The `count` highest character majors free in Linux's dynamic ranges (511..384, then 254..234),
// given the text of the host's /proc/devices; fails (Errc::unsupported) when fewer are free.
Result<std::vector<unsigned>> pick_free_majors(const std::string& proc_devices_text, size_t count);

// A misc minor the host's /proc/misc does not list: 58 (rdma_cm's usual one) if free, else the
// highest free one in the old dynamic range 63..1.
Result<unsigned> pick_misc_minor(const std::string& proc_misc_text);

// Sets the node's dynamic numbers from the host's /proc/devices and /proc/misc texts, so that no
// simulated node is backed by a host driver: opening one gives ENXIO (ENODEV for rdma_cm, whose
// misc major every host registers). nvidia-uvm and nvidia-caps
// (always, in that order), then nvidia-fs, nvidia-nvswitch, gdrdrv for enabled features, then
// infiniband_verbs (231 if free, else the next free major) and rdma_cm's misc minor with MOFED.
Result<void> assign_numbers(NodeFacts& node, const std::string& proc_devices_text, const std::string& proc_misc_text);

} // namespace nvrunc::mock
