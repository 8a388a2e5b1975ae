// The Container Device Interface (CDI) spec model: one value type per object of a CDI spec file
// (cncf-tags/container-device-interface SPEC.md; research notes C.2), for any vendor's spec.
//
// Promises:
// - Every member a CDI 1.1.0 file may hold has a place here, so read (read.hpp) then write
//   (write.hpp) loses nothing: fields nvrunc does not apply (intelRdt, netDevices) are kept as raw
//   JSON objects.
// - For deviceNodes, whether a field was present is kept (std::optional): an absent major/minor is
//   filled in from the host node at injection time (convert.hpp), which differs from an explicit 0.
// - Values are plain data with ==, so round trips are checked by comparing whole specs.
// - Elsewhere, "" and [] mean "absent": a reader treats an empty value and a missing key alike, as
//   the reference library does (Go's omitempty).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace nvrunc::cdi {

// The interchange tree between text and model: key order is kept.
using Json = nlohmann::ordered_json;

// A CDI annotation map (string to string) kept in the order read, so a rewrite keeps the file's
// order. The reader refuses duplicate keys.
using Annotations = std::vector<std::pair<std::string, std::string>>;

// The value of annotation `key`, if present.
inline std::optional<std::string> annotation(const Annotations& annotations, std::string_view key) {
  for (const auto& [k, v] : annotations)
    if (k == key) return v;
  return std::nullopt;
}

struct DeviceNode {
  std::string path{};                       // in the container; required
  std::optional<std::string> host_path{};   // >= 0.5.0; absent or "" means `path`
  std::optional<std::string> type{};        // "", "b", "c", "u" or "p"; absent or "": from the host node
  std::optional<std::int64_t> major{};      // absent: from the host node
  std::optional<std::int64_t> minor{};
  std::optional<std::uint32_t> file_mode{}; // permission bits; absent: from the host node
  std::optional<std::string> permissions{}; // cgroup access, subset of "rwm"; absent or "": "rwm"; "none": no rule
  std::optional<std::uint32_t> uid{};       // absent: the reference library uses the process's uid
  std::optional<std::uint32_t> gid{};

  bool operator==(const DeviceNode&) const = default;
};

struct Mount {
  std::string host_path{};      // required
  std::string container_path{}; // required
  std::string type{};           // >= 0.4.0; "" means unset
  std::vector<std::string> options{};

  bool operator==(const Mount&) const = default;
};

struct Hook {
  // The OCI stage: prestart, createRuntime, createContainer, startContainer, poststart, poststop.
  std::string hook_name{};
  std::string path{}; // absolute
  std::vector<std::string> args{};
  std::vector<std::string> env{};
  std::optional<int> timeout{}; // seconds, > 0

  bool operator==(const Hook&) const = default;
};

struct ContainerEdits {
  std::vector<std::string> env{};               // "NAME=value"
  std::vector<DeviceNode> device_nodes{};
  std::vector<Mount> mounts{};
  std::vector<Hook> hooks{};
  std::vector<std::uint32_t> additional_gids{}; // >= 0.7.0
  std::optional<Json> intel_rdt{};              // >= 0.7.0; raw object (closID, l3CacheSchema, ...)
  std::vector<Json> net_devices{};              // >= 1.1.0; raw objects {hostInterfaceName, name}

  bool empty() const {
    return env.empty() && device_nodes.empty() && mounts.empty() && hooks.empty() && additional_gids.empty() &&
           !intel_rdt && net_devices.empty();
  }
  bool operator==(const ContainerEdits&) const = default;
};

struct Device {
  std::string name{};        // the part after '=' in vendor/class=name
  Annotations annotations{}; // >= 0.6.0
  ContainerEdits edits{};    // required, not empty

  bool operator==(const Device&) const = default;
};

struct Spec {
  std::string cdi_version{}; // "1.1.0" (a leading "v" is tolerated)
  std::string kind{};        // vendor/class
  Annotations annotations{}; // >= 0.6.0
  std::vector<Device> devices{};
  ContainerEdits edits{};    // applied once when any device of this spec is used

  bool operator==(const Spec&) const = default;
};

} // namespace nvrunc::cdi
