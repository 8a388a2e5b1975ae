// NVML, loaded with dlopen from the driver root, for what procfs cannot answer (DESIGN.md §2):
// the CUDA driver version, each GPU's compute capability and brand (NVIDIA_REQUIRE_*), and the
// MIG devices' UUIDs and index order (MIG-… and gpu:mig ids). Only called when a request needs
// one of these: a container that requests nothing, or nothing NVML-specific, never loads it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nvrunc/common/error.hpp"

namespace nvrunc::discover {

struct NvmlMigDevice {
  unsigned index = 0; // NVML's MIG device index on its GPU (the M of a "G:M" id)
  unsigned gi = 0, ci = 0;
  std::string uuid; // "MIG-…"
  std::string name;
};

struct NvmlGpu {
  std::string uuid;
  std::string bus_id; // normalised "%08x:%02x:%02x.%x"
  std::string name;
  std::optional<int> brand;        // nvmlBrandType_t
  std::optional<std::string> arch; // compute capability "9.0"
  bool mig_enabled = false;
  std::vector<NvmlMigDevice> mig;
};

struct NvmlFacts {
  std::optional<std::string> cuda_version; // "12.4"
  std::vector<NvmlGpu> gpus;               // NVML index order
};

// Loads the NVML library at `library_host_path` (RTLD_LOCAL), initialises it, reads the facts,
// shuts it down and unloads it. Errc::driver_missing when it cannot be loaded or initialised.
Result<NvmlFacts> query_nvml(const std::string& library_host_path);

} // namespace nvrunc::discover
