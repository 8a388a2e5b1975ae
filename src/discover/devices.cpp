// Device nodes found by listing: DRM nodes of each GPU (through sysfs, as the toolkit finds them)
// and the feature-gated nodes (reference toolkit §2.4).
#include <algorithm>
#include <map>

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

// The feature-gated nodes: in `dir`, the `exact` name, then every node named `prefix` followed by
// digits (nvidia-fs2 before nvidia-fs10).
struct FeatureNodes {
  Feature feature;
  std::string_view dir, exact, prefix;
};
constexpr FeatureNodes feature_nodes[] = {
    {Feature::gds, "/dev", "", "nvidia-fs"},
    {Feature::mofed, "/dev/infiniband", "rdma_cm", "uverbs"},
    {Feature::nvswitch, "/dev", "nvidia-nvswitchctl", "nvidia-nvswitch"},
    {Feature::gdrcopy, "/dev", "gdrdrv", ""},
};

// The names in `dir` the nodes above can have, as listing prefixes: their names in `dir`, and the
// first component of a directory below it (the /dev listing then also shows whether
// /dev/infiniband exists). A listing kept to these does not change when an unrelated device
// appears in /dev, and it shows the absence of every node it covers (observe.hpp).
std::vector<std::string> names_sought(std::string_view dir) {
  std::vector<std::string> out;
  for (const auto& f : feature_nodes) {
    if (f.dir == dir) {
      for (auto name : {f.exact, f.prefix})
        if (!name.empty()) out.emplace_back(name);
    } else if (f.dir.starts_with(dir) && f.dir.size() > dir.size() && f.dir[dir.size()] == '/') {
      const auto below = f.dir.substr(dir.size() + 1);
      out.emplace_back(below.substr(0, below.find('/')));
    }
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

} // namespace

Result<void> discover_devices(const HostFs& fs, Inventory& inv) {
  for (auto& gpu : inv.gpus) {
    NVRUNC_TRY(drm, drm_nodes(fs, gpu));
    gpu.drm = std::move(drm);
  }
  // Each directory is listed once, before any node in it is looked up.
  std::map<std::string_view, std::vector<std::string>> listed;
  for (const auto& f : feature_nodes)
    if (!f.prefix.empty() && !listed.count(f.dir)) listed[f.dir] = fs.list_dev(f.dir, names_sought(f.dir));
  for (const auto& f : feature_nodes) {
    auto& out = inv.features[static_cast<int>(f.feature)];
    const std::string dir(f.dir);
    if (!f.exact.empty())
      if (auto r = add_existing(fs, dir + "/" + std::string(f.exact), out); !r) return r;
    if (f.prefix.empty()) continue;
    std::vector<std::pair<unsigned, std::string>> numbered;
    for (const auto& name : listed[f.dir])
      if (auto n = number_after(name, f.prefix)) numbered.emplace_back(*n, name);
    std::sort(numbered.begin(), numbered.end());
    for (const auto& [n, name] : numbered)
      if (auto r = add_existing(fs, dir + "/" + name, out); !r) return r;
  }
  return {};
}

} // namespace nvrunc::discover::detail
