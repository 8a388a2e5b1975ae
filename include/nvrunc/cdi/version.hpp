// CDI spec versions (research notes C.3): which versions exist, and which version the content of a
// spec needs. A reader refuses a spec whose cdiVersion is lower than its content needs; a writer
// declares the lowest version that covers what it emits (minimum_version).
//
//   0.4.0  mounts[].type
//   0.5.0  deviceNodes[].hostPath; device names not starting with a letter
//   0.6.0  annotations (spec and device); a '.' in the kind's class
//   0.7.0  intelRdt; additionalGids
//   1.1.0  netDevices; intelRdt.schemata, intelRdt.enableMonitoring
// 0.3.0 is the lowest version ever required, as in the reference library (specs-go/version.go).
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/cdi/spec.hpp"

namespace nvrunc::cdi {

struct Version {
  int major = 0, minor = 0, patch = 0;
  auto operator<=>(const Version&) const = default;
  std::string str() const; // "0.5.0"
};

// Every released spec version, oldest first; the reference library still reads 0.1.0 and 0.2.0.
const std::vector<std::string>& known_versions();
inline constexpr std::string_view latest_version = "1.1.0";

// A known version ("0.5.0" or "v0.5.0"); nullopt for anything else ("0.5", "0.9.0", "").
std::optional<Version> parse_version(std::string_view text);

// One feature a spec uses that needs a version above 0.3.0.
struct Requirement {
  Version version;
  std::string location; // "devices[0].containerEdits.deviceNodes[1].hostPath"
  std::string feature;  // "deviceNodes.hostPath"
};

// Every such feature, in document order.
std::vector<Requirement> requirements(const Spec& spec);

// The lowest version whose features cover the spec ("0.3.0" at least).
std::string minimum_version(const Spec& spec);

} // namespace nvrunc::cdi
