// Device nodes found by listing: DRM nodes of each GPU (through sysfs, as the toolkit finds them)
// and the feature-gated nodes (reference toolkit §2.4).
#include <algorithm>

#include "internal.hpp"
#include "nvrunc/common/strings.hpp"

namespace nvrunc::discover::detail {

namespace {

constexpr std::uint32_t drm_major = 226;

// "card1" -> 1 for the given prefix.
std::optional<unsigned> number_after(std::string_view name, std::string_view prefix) {
  if (!name.starts_with(prefix)) return std::nullopt;
  auto digits = name.substr(prefix.size());
  if (!is_digits(digits) || digits.size() > 6) return std::nullopt;
  return static_cast<unsigned>(std::stoul(std::string(digits)));
}

// sysfs names PCI devices with a 4-digit domain: 0000:07:00.0.
std::string sysfs_bus_id(const std::string& normalized) {
  return normalized.starts_with("0000") ? normalized.substr(4) : normalized;
}

Result<std::vector<DeviceNode>> drm_nodes(const HostFs& fs, const Gpu& gpu) {
  std::vector<DeviceNode> out;
  for (const auto& name : fs.list_sys("bus/pci/devices/" + sysfs_bus_id(gpu.bus_id) + "/drm")) {
    auto n = number_after(name, "card");
    if (!n) n = number_after(name, "renderD");
    if (!n) continue;
    NVRUNC_TRY(node, describe_node(fs, "/dev/dri/" + name, drm_major, *n));
    out.push_back(std::move(node));
  }
  return out;
}

// A node that exists on the host, whatever its numbers (feature devices have dynamic majors).
Result<void> add_existing(const HostFs& fs, const std::string& path, std::vector<DeviceNode>& out) {
  NVRUNC_TRY(info, fs.stat_node(path));
  if (!info || info->type != 'c') return {};
  out.push_back({path, 'c', info->major, info->minor, info->mode, info->uid, info->gid, true, ""});
  return {};
}

// The `exact` names in `dir`, then every node whose name is `prefix` followed by digits.
Result<void> add_matching(const HostFs& fs, const std::string& dir, std::string_view prefix,
                          std::initializer_list<std::string_view> exact, std::vector<DeviceNode>& out) {
  for (auto name : exact)
    if (auto r = add_existing(fs, dir + "/" + std::string(name), out); !r) return r;
  if (prefix.empty()) return {};
  std::vector<std::pair<unsigned, std::string>> numbered; // nvidia-fs2 before nvidia-fs10
  for (const auto& name : fs.list_dev(dir))
    if (auto n = number_after(name, prefix)) numbered.emplace_back(*n, name);
  std::sort(numbered.begin(), numbered.end());
  for (const auto& [n, name] : numbered)
    if (auto r = add_existing(fs, dir + "/" + name, out); !r) return r;
  return {};
}

} // namespace

Result<void> discover_devices(const HostFs& fs, Inventory& inv) {
  for (auto& gpu : inv.gpus) {
    NVRUNC_TRY(drm, drm_nodes(fs, gpu));
    gpu.drm = std::move(drm);
  }
  auto& f = inv.features;
  if (auto r = add_matching(fs, "/dev", "nvidia-fs", {}, f[static_cast<int>(Feature::gds)]); !r) return r;
  if (auto r = add_matching(fs, "/dev/infiniband", "uverbs", {"rdma_cm"}, f[static_cast<int>(Feature::mofed)]); !r)
    return r;
  if (auto r = add_matching(fs, "/dev", "nvidia-nvswitch", {"nvidia-nvswitchctl"}, f[static_cast<int>(Feature::nvswitch)]);
      !r)
    return r;
  return add_matching(fs, "/dev", "", {"gdrdrv"}, f[static_cast<int>(Feature::gdrcopy)]);
}

} // namespace nvrunc::discover::detail
