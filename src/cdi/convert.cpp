#include "nvrunc/cdi/convert.hpp"

namespace nvrunc::cdi {

namespace {

DeviceNode node_from_edits(const edits::DeviceNode& e, NodeNumbers numbers) {
  DeviceNode d;
  d.path = e.path;
  if (!e.host_path.empty()) d.host_path = e.host_path;
  if (numbers == NodeNumbers::keep) {
    d.type = std::string(1, e.type);
    d.major = e.major;
    d.minor = e.minor;
  }
  d.file_mode = e.file_mode;
  d.permissions = e.permissions;
  d.uid = e.uid;
  d.gid = e.gid;
  return d;
}

Result<edits::DeviceNode> node_to_edits(const DeviceNode& d, const std::string& where) {
  const std::string type = d.type.value_or("");
  if (type.size() != 1 || (type != "p" && !d.major))
    return fail(Errc::bad_spec,
                "convert `" + where + "`: type and major are not known; complete the node from the host first");
  edits::DeviceNode e;
  e.path = d.path;
  e.host_path = d.host_path.value_or("");
  e.type = type[0];
  e.major = d.major.value_or(0);
  e.minor = d.minor.value_or(0);
  e.file_mode = d.file_mode.value_or(0666);
  e.uid = d.uid.value_or(0);
  e.gid = d.gid.value_or(0);
  e.permissions = d.permissions.value_or("").empty() ? "rwm" : *d.permissions;
  if (e.type == 'p') e.permissions = "none"; // the device cgroup knows only b and c
  return e;
}

} // namespace

ContainerEdits from_edits(const edits::ContainerEdits& edits, NodeNumbers numbers) {
  ContainerEdits out;
  out.env = edits.env;
  for (const auto& d : edits.device_nodes) out.device_nodes.push_back(node_from_edits(d, numbers));
  for (const auto& m : edits.mounts) out.mounts.push_back({m.host_path, m.container_path, m.type, m.options});
  for (const auto& h : edits.hooks) out.hooks.push_back({h.hook_name, h.path, h.args, h.env, h.timeout});
  return out;
}

Result<edits::ContainerEdits> to_edits(const ContainerEdits& edits) {
  const char* unsupported = !edits.additional_gids.empty() ? "additionalGids"
                            : edits.intel_rdt             ? "intelRdt"
                            : !edits.net_devices.empty()  ? "netDevices"
                                                          : nullptr;
  if (unsupported != nullptr)
    return fail(Errc::unsupported,
                std::string("convert containerEdits: nvrunc cannot apply `") + unsupported + "` yet");
  edits::ContainerEdits out;
  out.env = edits.env;
  for (const auto& d : edits.device_nodes) {
    NVRUNC_TRY(node, node_to_edits(d, d.path));
    out.device_nodes.push_back(std::move(node));
  }
  for (const auto& m : edits.mounts) out.mounts.push_back({m.host_path, m.container_path, m.type, m.options, ""});
  for (const auto& h : edits.hooks) out.hooks.push_back({h.hook_name, h.path, h.args, h.env, h.timeout, ""});
  return out;
}

} // namespace nvrunc::cdi
