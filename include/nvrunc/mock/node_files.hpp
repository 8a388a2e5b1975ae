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

// The two highest character majors free in Linux's dynamic ranges (511..384, then 254..234), given
// the text of the host's /proc/devices; fails when fewer than two are free.
Result<std::pair<unsigned, unsigned>> pick_free_majors(const std::string& proc_devices_text);

} // namespace nvrunc::mock
