#include "nvrunc/runtime/nvml.hpp"

#include "nvrunc/discover/nvml_json.hpp"
#include "nvrunc/os/exec.hpp"
#include "nvrunc/os/file.hpp"
#include "nvrunc/runtime/shim.hpp"

namespace nvrunc::runtime {

namespace {
// A node with 8 GPUs and 7 MIG devices each prints about 10 KiB; anything near this is not NVML.
constexpr size_t max_facts_bytes = 1 << 20;
} // namespace

NvmlQuery nvml_helper(const config::Config& config) {
  // A wedged driver never answers: the create must then fail ([nvrunc] nvml-timeout) rather than hang.
  return [ctl = ctl_path(config), timeout = std::chrono::seconds(config.nvml_timeout_s)](
             const std::string& library) -> Result<discover::NvmlFacts> {
    if (!os::is_executable_file(ctl))
      return fail(Errc::not_found, "query NVML: helper `" + ctl + "` is not an executable file: install nvrunc-ctl "
                                   "next to nvrunc or set [nvrunc] ctl-path in the nvrunc config");
    // An empty environment: the caller's LD_PRELOAD, LD_LIBRARY_PATH or GLIBC_TUNABLES must reach
    // no helper, and NVML needs none.
    auto out = os::capture_program({ctl, "nvml-facts", "--library", library}, {}, max_facts_bytes, timeout);
    if (!out) return fail(Errc::driver_missing, "query NVML: " + out.error().what());
    auto facts = discover::nvml_facts_from_json(*out);
    if (!facts) return fail(Errc::driver_missing, "query NVML: `" + ctl + " nvml-facts`: " + facts.error().what());
    return facts;
  };
}

std::optional<discover::NvmlFacts> load_nvml(const discover::Inventory& inv, const NvmlQuery& query,
                                             std::string* problem) {
  for (const auto& lib : inv.libraries)
    if (lib.prefix == "libnvidia-ml.so") {
      auto facts = query(lib.host_path);
      if (facts) return std::move(*facts);
      if (problem) *problem = facts.error().what();
      return std::nullopt;
    }
  return std::nullopt;
}

} // namespace nvrunc::runtime
