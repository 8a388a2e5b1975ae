#include "nvrunc/discover/inventory.hpp"

#include <algorithm>

#include "internal.hpp"
#include "nvrunc/discover/procfs.hpp"

namespace nvrunc::discover {

namespace {

using detail::describe_node;

Result<std::vector<Gpu>> discover_gpus(const HostFs& fs, std::vector<std::string>& warnings) {
  std::vector<Gpu> gpus;
  for (const auto& dir : fs.list_proc("driver/nvidia/gpus")) {
    auto text = fs.read_proc("driver/nvidia/gpus/" + dir + "/information");
    if (!text) {
      warnings.push_back("skipping GPU `" + dir + "`: " + text.error().what());
      continue;
    }
    auto info = parse_gpu_information(*text);
    auto bus = normalize_bus_id(info.bus_location.empty() ? dir : info.bus_location);
    if (!info.minor || !bus || info.uuid.empty()) {
      warnings.push_back("skipping GPU `" + dir + "`: incomplete information file");
      continue;
    }
    Gpu gpu;
    gpu.minor = *info.minor;
    gpu.uuid = info.uuid;
    gpu.bus_id = *bus;
    gpu.model = info.model;
    NVRUNC_TRY(node, describe_node(fs, "/dev/nvidia" + std::to_string(gpu.minor), nvidia_major, gpu.minor));
    gpu.node = std::move(node);
    gpus.push_back(std::move(gpu));
  }
  std::sort(gpus.begin(), gpus.end(), [](const Gpu& a, const Gpu& b) { return a.bus_id < b.bus_id; });
  for (size_t i = 0; i < gpus.size(); ++i) gpus[i].index = static_cast<unsigned>(i);
  return gpus;
}

Result<void> discover_control_nodes(const HostFs& fs, Inventory& inv) {
  NVRUNC_TRY(ctl, describe_node(fs, "/dev/nvidiactl", nvidia_major, nvidiactl_minor));
  inv.nvidiactl = std::move(ctl);
  NVRUNC_TRY(modeset, describe_node(fs, "/dev/nvidia-modeset", nvidia_major, modeset_minor));
  if (modeset.on_host) inv.modeset = std::move(modeset);
  auto devices = fs.read_proc("devices");
  auto uvm_major = devices ? find_char_major(*devices, "nvidia-uvm") : std::nullopt;
  if (!uvm_major) {
    inv.warnings.push_back("nvidia-uvm is not in /proc/devices (module not loaded): CUDA needs it");
    return {};
  }
  NVRUNC_TRY(uvm, describe_node(fs, "/dev/nvidia-uvm", *uvm_major, 0));
  NVRUNC_TRY(tools, describe_node(fs, "/dev/nvidia-uvm-tools", *uvm_major, 1));
  inv.uvm = std::move(uvm);
  inv.uvm_tools = std::move(tools);
  return {};
}

} // namespace

Result<Inventory> discover(const HostFs& fs, const DiscoverOptions& options) {
  NVRUNC_TRY(inv, detail::discover_stable(fs, options));
  if (inv.driver_loaded()) detail::discover_ipc(fs, options, inv);
  return inv;
}

Result<Inventory> detail::discover_stable(const HostFs& fs, const DiscoverOptions& options) {
  Inventory inv;
  auto version_file = fs.read_proc("driver/nvidia/version");
  if (!version_file) return inv; // no driver: nothing else to find
  auto version = parse_driver_version(*version_file);
  if (!version) return fail(Errc::driver_missing, "read driver version: unrecognised /proc/driver/nvidia/version");
  inv.driver_version = *version;
  NVRUNC_TRY(gpus, discover_gpus(fs, inv.warnings));
  inv.gpus = std::move(gpus);
  if (auto r = discover_control_nodes(fs, inv); !r) return fail(std::move(r.error()));
  if (auto r = detail::discover_mig(fs, inv); !r) return fail(std::move(r.error()));
  if (auto r = detail::discover_devices(fs, inv); !r) return fail(std::move(r.error()));
  if (auto r = detail::discover_libraries(fs, options, inv); !r) return fail(std::move(r.error()));
  detail::discover_files(fs, options, inv);
  return inv;
}

std::string_view feature_name(Feature f) {
  switch (f) {
  case Feature::gds: return "gds";
  case Feature::mofed: return "mofed";
  case Feature::nvswitch: return "nvswitch";
  case Feature::gdrcopy: return "gdrcopy";
  }
  return "?";
}

} // namespace nvrunc::discover
