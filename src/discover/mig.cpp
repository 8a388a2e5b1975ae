// MIG from procfs alone (reference §3.1): no NVML is needed to know which instances exist and
// which /dev/nvidia-caps nodes guard them.
#include <algorithm>

#include "internal.hpp"
#include "nvrunc/common/strings.hpp"
#include "nvrunc/discover/procfs.hpp"

namespace nvrunc::discover::detail {

namespace {

constexpr std::string_view caps_dir = "driver/nvidia/capabilities";

// "gi12" -> 12 (nullopt for other names).
std::optional<unsigned> numbered(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  auto digits = name.substr(prefix.size());
  if (!is_digits(digits) || digits.size() > 6) return std::nullopt;
  return static_cast<unsigned>(std::stoul(std::string(digits)));
}

// An access file ("DeviceFileMinor: 4\nDeviceFileMode: 292\n...") as the node it stands for.
Result<std::optional<DeviceNode>> cap_node(const HostFs& fs, const std::string& access, unsigned major) {
  auto text = fs.read_proc(access);
  if (!text) return std::optional<DeviceNode>();
  std::optional<unsigned> minor, mode;
  for (auto line : split(*text, '\n')) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto key = trim(line.substr(0, colon)), value = trim(line.substr(colon + 1));
    if (!is_digits(value) || value.size() > 6) continue;
    if (key == "DeviceFileMinor") minor = static_cast<unsigned>(std::stoul(std::string(value)));
    if (key == "DeviceFileMode") mode = static_cast<unsigned>(std::stoul(std::string(value)));
  }
  if (!minor) return std::optional<DeviceNode>();
  NVRUNC_TRY(node, describe_node(fs, "/dev/nvidia-caps/nvidia-cap" + std::to_string(*minor), major, *minor));
  if (!node.on_host && mode) node.mode = *mode & 0777;
  return std::optional<DeviceNode>(std::move(node));
}

Result<std::vector<MigInstance>> gpu_instances(const HostFs& fs, const Gpu& gpu, unsigned major) {
  std::vector<MigInstance> out;
  const std::string base = std::string(caps_dir) + "/gpu" + std::to_string(gpu.minor) + "/mig";
  for (const auto& gi_name : fs.list_proc(base)) {
    auto gi = numbered(gi_name, "gi");
    if (!gi) continue;
    NVRUNC_TRY(gi_cap, cap_node(fs, base + "/" + gi_name + "/access", major));
    if (!gi_cap) continue;
    for (const auto& ci_name : fs.list_proc(base + "/" + gi_name)) {
      auto ci = numbered(ci_name, "ci");
      if (!ci) continue;
      NVRUNC_TRY(ci_cap, cap_node(fs, base + "/" + gi_name + "/" + ci_name + "/access", major));
      if (ci_cap) out.push_back({*gi, *ci, *gi_cap, *ci_cap});
    }
  }
  std::sort(out.begin(), out.end(), [](const MigInstance& a, const MigInstance& b) {
    return std::tie(a.gi, a.ci) < std::tie(b.gi, b.ci);
  });
  return out;
}

} // namespace

Result<void> discover_mig(const HostFs& fs, Inventory& inv) {
  auto devices = fs.read_proc("devices");
  auto major = devices ? find_char_major(*devices, "nvidia-caps") : std::nullopt;
  if (!major) return {}; // no nvidia-caps device: MIG cannot be used through device nodes
  // One listing says which capability directories exist: a node without MIG costs one lookup, not
  // two per GPU (this listing is also what a snapshot replays).
  const auto present = fs.list_proc(caps_dir);
  const auto has = [&](const std::string& name) { return std::binary_search(present.begin(), present.end(), name); };
  if (has("mig")) {
    NVRUNC_TRY(config, cap_node(fs, std::string(caps_dir) + "/mig/config", *major));
    NVRUNC_TRY(monitor, cap_node(fs, std::string(caps_dir) + "/mig/monitor", *major));
    inv.mig_config = std::move(config);
    inv.mig_monitor = std::move(monitor);
  }
  for (auto& gpu : inv.gpus) {
    if (!has("gpu" + std::to_string(gpu.minor))) continue;
    NVRUNC_TRY(instances, gpu_instances(fs, gpu, *major));
    gpu.mig = std::move(instances);
  }
  return {};
}

} // namespace nvrunc::discover::detail
