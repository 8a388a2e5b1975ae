// A checked tree (check_tree or yaml_tree) to the model. Types are already right here; a null member
// is an absent one.
#include "tree.hpp"

namespace nvrunc::cdi::detail {

namespace {

const Json* member(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it == object.end() || it->is_null() ? nullptr : &*it;
}

std::string text(const Json& object, const char* key) {
  const Json* m = member(object, key);
  return m ? m->get<std::string>() : std::string();
}

template <class T>
std::optional<T> optional(const Json& object, const char* key) {
  const Json* m = member(object, key);
  return m ? std::optional<T>(m->get<T>()) : std::nullopt;
}

template <class T>
std::vector<T> list(const Json& object, const char* key) {
  const Json* m = member(object, key);
  return m ? m->get<std::vector<T>>() : std::vector<T>();
}

Annotations annotations(const Json& object, const char* key) {
  Annotations out;
  if (const Json* m = member(object, key))
    for (const auto& [k, v] : m->items()) out.emplace_back(k, v.get<std::string>());
  return out;
}

// Raw members (intelRdt, netDevices) without nulls, so that writing them back is reading them back.
Json without_nulls(const Json& v) {
  if (!v.is_object()) return v;
  Json out = Json::object();
  for (const auto& [k, e] : v.items())
    if (!e.is_null()) out[k] = without_nulls(e);
  return out;
}

DeviceNode device_node(const Json& j) {
  DeviceNode d;
  d.path = text(j, "path");
  d.host_path = optional<std::string>(j, "hostPath");
  d.type = optional<std::string>(j, "type");
  d.major = optional<std::int64_t>(j, "major");
  d.minor = optional<std::int64_t>(j, "minor");
  d.file_mode = optional<std::uint32_t>(j, "fileMode");
  d.permissions = optional<std::string>(j, "permissions");
  d.uid = optional<std::uint32_t>(j, "uid");
  d.gid = optional<std::uint32_t>(j, "gid");
  return d;
}

Mount mount(const Json& j) {
  return Mount{text(j, "hostPath"), text(j, "containerPath"), text(j, "type"), list<std::string>(j, "options")};
}

Hook hook(const Json& j) {
  return Hook{text(j, "hookName"), text(j, "path"), list<std::string>(j, "args"), list<std::string>(j, "env"),
              optional<int>(j, "timeout")};
}

ContainerEdits edits(const Json* j) {
  ContainerEdits e;
  if (j == nullptr) return e;
  e.env = list<std::string>(*j, "env");
  if (const Json* m = member(*j, "deviceNodes"))
    for (const Json& d : *m) e.device_nodes.push_back(device_node(d));
  if (const Json* m = member(*j, "mounts"))
    for (const Json& d : *m) e.mounts.push_back(mount(d));
  if (const Json* m = member(*j, "hooks"))
    for (const Json& d : *m) e.hooks.push_back(hook(d));
  e.additional_gids = list<std::uint32_t>(*j, "additionalGids");
  if (const Json* m = member(*j, "intelRdt")) e.intel_rdt = without_nulls(*m);
  if (const Json* m = member(*j, "netDevices"))
    for (const Json& d : *m) e.net_devices.push_back(without_nulls(d));
  return e;
}

} // namespace

Spec decode(const Json& tree) {
  Spec spec;
  spec.cdi_version = text(tree, "cdiVersion");
  spec.kind = text(tree, "kind");
  spec.annotations = annotations(tree, "annotations");
  if (const Json* devices = member(tree, "devices"))
    for (const Json& d : *devices) {
      const Json* device_edits = member(d, "containerEdits");
      spec.devices.push_back(Device{text(d, "name"), annotations(d, "annotations"), edits(device_edits)});
    }
  spec.edits = edits(member(tree, "containerEdits"));
  return spec;
}

} // namespace nvrunc::cdi::detail
