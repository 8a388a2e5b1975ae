#include "nvrunc/cdi/version.hpp"

#include <algorithm>

namespace nvrunc::cdi {

namespace {

constexpr Version v040{0, 4, 0}, v050{0, 5, 0}, v060{0, 6, 0}, v070{0, 7, 0}, v110{1, 1, 0};
constexpr Version lowest_required{0, 3, 0};

std::string at(const std::string& path, std::string_view member) {
  return path.empty() ? std::string(member) : path + "." + std::string(member);
}
std::string at(const std::string& path, std::string_view member, size_t index) {
  return at(path, member) + "[" + std::to_string(index) + "]";
}

void edits_requirements(const ContainerEdits& edits, const std::string& path, std::vector<Requirement>& out) {
  for (size_t i = 0; i < edits.device_nodes.size(); ++i)
    if (!edits.device_nodes[i].host_path.value_or("").empty())
      out.push_back({v050, at(path, "deviceNodes", i) + ".hostPath", "deviceNodes.hostPath"});
  for (size_t i = 0; i < edits.mounts.size(); ++i)
    if (!edits.mounts[i].type.empty()) out.push_back({v040, at(path, "mounts", i) + ".type", "mounts.type"});
  if (!edits.additional_gids.empty()) out.push_back({v070, at(path, "additionalGids"), "additionalGids"});
  if (edits.intel_rdt) {
    out.push_back({v070, at(path, "intelRdt"), "intelRdt"});
    for (const char* member : {"schemata", "enableMonitoring"})
      if (edits.intel_rdt->is_object() && edits.intel_rdt->contains(member))
        out.push_back({v110, at(path, "intelRdt") + "." + member, std::string("intelRdt.") + member});
  }
  if (!edits.net_devices.empty()) out.push_back({v110, at(path, "netDevices"), "netDevices"});
}

bool starts_with_letter(std::string_view s) {
  return !s.empty() && ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'));
}

} // namespace

std::string Version::str() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

const std::vector<std::string>& known_versions() {
  static const std::vector<std::string> versions = {"0.1.0", "0.2.0", "0.3.0", "0.4.0", "0.5.0",
                                                     "0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0"};
  return versions;
}

std::optional<Version> parse_version(std::string_view text) {
  if (!text.empty() && text.front() == 'v') text.remove_prefix(1);
  const auto& known = known_versions();
  if (std::find(known.begin(), known.end(), text) == known.end()) return std::nullopt;
  // Known versions are single digits: "M.m.p".
  return Version{text[0] - '0', text[2] - '0', text[4] - '0'};
}

std::vector<Requirement> requirements(const Spec& spec) {
  std::vector<Requirement> out;
  if (!spec.annotations.empty()) out.push_back({v060, "annotations", "annotations"});
  if (auto slash = spec.kind.find('/'); slash != std::string::npos && spec.kind.find('.', slash) != std::string::npos)
    out.push_back({v060, "kind", "a '.' in the class of the kind"});
  for (size_t i = 0; i < spec.devices.size(); ++i) {
    const Device& device = spec.devices[i];
    const std::string path = at("", "devices", i);
    if (!device.name.empty() && !starts_with_letter(device.name))
      out.push_back({v050, path + ".name", "device names not starting with a letter"});
    if (!device.annotations.empty()) out.push_back({v060, path + ".annotations", "annotations"});
    edits_requirements(device.edits, path + ".containerEdits", out);
  }
  edits_requirements(spec.edits, "containerEdits", out);
  return out;
}

std::string minimum_version(const Spec& spec) {
  Version lowest = lowest_required;
  for (const auto& r : requirements(spec)) lowest = std::max(lowest, r.version);
  return lowest.str();
}

} // namespace nvrunc::cdi
