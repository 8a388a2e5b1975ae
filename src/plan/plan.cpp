#include "nvrunc/plan/plan.hpp"

#include <algorithm>

#include "internal.hpp"
#include "nvrunc/require/requirements.hpp"

namespace nvrunc::plan {

namespace {

// What NVIDIA_REQUIRE_* is checked against: the driver, and per selected GPU (a MIG device's
// parent included) its architecture and brand as NVML reports them.
require::Facts requirement_facts(const discover::Inventory& inv, const std::vector<const discover::Gpu*>& gpus,
                                 const discover::NvmlFacts* nvml) {
  require::Facts facts;
  facts.driver = inv.driver_version;
  if (nvml) facts.cuda = nvml->cuda_version;
  for (const auto* gpu : gpus) {
    require::DeviceFacts d{"GPU " + std::to_string(gpu->index) + " (" + gpu->model + ")", std::nullopt, std::nullopt};
    if (nvml)
      for (const auto& n : nvml->gpus)
        if (n.bus_id == gpu->bus_id) {
          d.arch = n.arch;
          if (n.brand) d.brand = require::brand_name(*n.brand);
        }
    facts.devices.push_back(std::move(d));
  }
  return facts;
}

} // namespace

Result<void> check_requirements(const request::Request& req, const discover::Inventory& inv,
                                const std::vector<const discover::Gpu*>& gpus, const discover::NvmlFacts* nvml) {
  if (req.requirements_disabled) return {};
  return require::check(req.requirements, requirement_facts(inv, gpus, nvml));
}

bool forward_compat_applies(const std::vector<std::string>& compat_names, const std::string& host_driver_version) {
  const auto host_major = host_driver_version.substr(0, host_driver_version.find('.'));
  for (const auto& name : compat_names) {
    constexpr std::string_view prefix = "libcuda.so.";
    if (!name.starts_with(prefix)) continue;
    const std::string version = name.substr(prefix.size());
    if (version.find('.') == std::string::npos) continue; // libcuda.so.1: the SONAME link
    const auto major = version.substr(0, version.find('.'));
    if (require::compare_versions(major, host_major).value_or(0) > 0) return true;
  }
  return false;
}

Capabilities library_capabilities(Capabilities requested) {
  Capabilities out = requested;
  if (requested.has(Capability::video)) out.add(Capability::compute);
  if (requested.has(Capability::display)) out.add(Capability::graphics);
  return out;
}

std::string library_dir_for(bool debian_like) {
#if defined(__aarch64__)
  return debian_like ? "/usr/lib/aarch64-linux-gnu" : "/usr/lib64";
#else
  return debian_like ? "/usr/lib/x86_64-linux-gnu" : "/usr/lib64";
#endif
}

Result<Plan> make_plan(const request::Request& req, const discover::Inventory& inv, const Target& target,
                       const Options& options, const discover::NvmlFacts* nvml) {
  Plan plan;
  if (!req.wants_driver()) return plan;
  if (req.devices == request::Devices::cdi)
    return fail(Errc::invalid_argument, "CDI devices are resolved from the spec directories, not planned (" + req.source + ")");
  if (!inv.driver_loaded())
    return fail(Errc::driver_missing, "GPUs requested (" + req.source +
                                          ") but no NVIDIA driver is loaded on this node (no /proc/driver/nvidia/version)");
  NVRUNC_TRY(selection, select_devices(req, inv, nvml));
  plan.gpus = std::move(selection.gpus);
  plan.mig = std::move(selection.mig);
  if (auto r = check_requirements(req, inv, plan.gpus, nvml); !r) return fail(std::move(r.error()));
  NVRUNC_TRY(nodes, detail::plan_nodes(req, inv, plan, options));
  plan.edits.device_nodes = std::move(nodes);
  detail::plan_files(req, inv, plan, target, options, plan.edits);
  return plan;
}

} // namespace nvrunc::plan
