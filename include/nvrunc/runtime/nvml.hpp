// NVML for the runtime (DESIGN.md §2). nvrunc is a static binary, and dlopen in a static glibc
// program needs the very glibc it was linked with, so it never loads libnvidia-ml itself: it runs
// `nvrunc-ctl nvml-facts` (dynamic, glibc) and reads the facts as JSON. nvrunc-ctl's own commands
// query in-process (discover::query_nvml).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "nvrunc/config/config.hpp"
#include "nvrunc/discover/inventory.hpp"
#include "nvrunc/discover/nvml.hpp"

namespace nvrunc::runtime {

// How NVML is asked about a libnvidia-ml (its host path): discover::query_nvml in this process, or
// nvml_helper in a child process.
using NvmlQuery = std::function<Result<discover::NvmlFacts>(const std::string& library_host_path)>;

// Runs `<ctl_path(config)> nvml-facts --library PATH` with an empty environment, stdin on
// /dev/null, and reads the JSON it prints. Errc::not_found when the helper is missing, else
// Errc::driver_missing when it fails; the message names the helper and has its stderr's first line.
NvmlQuery nvml_helper(const config::Config& config);

// NVML facts from the node's libnvidia-ml, or nullopt when it has none or it cannot be used (then
// `problem` says why).
std::optional<discover::NvmlFacts> load_nvml(const discover::Inventory& inventory, const NvmlQuery& query,
                                             std::string* problem = nullptr);

} // namespace nvrunc::runtime
