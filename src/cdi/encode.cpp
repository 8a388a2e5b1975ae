// The model to a tree, members in one canonical order (the order of SPEC.md), absent and empty
// optional members left out. Required members are always written, even when empty, so that what a
// reader sees is what the model holds.
#include "tree.hpp"

namespace nvrunc::cdi::detail {

namespace {

template <class T>
void put(Json& out, const char* key, const std::optional<T>& value) {
  if (value) out[key] = *value;
}

template <class T>
void put(Json& out, const char* key, const std::vector<T>& value) {
  if (!value.empty()) out[key] = value;
}

void put(Json& out, const char* key, const std::string& value) {
  if (!value.empty()) out[key] = value;
}

void put(Json& out, const char* key, const Annotations& value) {
  if (value.empty()) return;
  Json map = Json::object();
  for (const auto& [k, v] : value) map[k] = v;
  out[key] = std::move(map);
}

Json device_node(const DeviceNode& d) {
  Json j = Json::object();
  j["path"] = d.path;
  put(j, "hostPath", d.host_path);
  put(j, "type", d.type);
  put(j, "major", d.major);
  put(j, "minor", d.minor);
  put(j, "fileMode", d.file_mode);
  put(j, "permissions", d.permissions);
  put(j, "uid", d.uid);
  put(j, "gid", d.gid);
  return j;
}

Json mount(const Mount& m) {
  Json j = Json::object();
  j["hostPath"] = m.host_path;
  j["containerPath"] = m.container_path;
  put(j, "type", m.type);
  put(j, "options", m.options);
  return j;
}

Json hook(const Hook& h) {
  Json j = Json::object();
  j["hookName"] = h.hook_name;
  j["path"] = h.path;
  put(j, "args", h.args);
  put(j, "env", h.env);
  put(j, "timeout", h.timeout);
  return j;
}

template <class T, class F>
void put_each(Json& out, const char* key, const std::vector<T>& values, F encode_one) {
  if (values.empty()) return;
  Json list = Json::array();
  for (const T& v : values) list.push_back(encode_one(v));
  out[key] = std::move(list);
}

Json edits(const ContainerEdits& e) {
  Json j = Json::object();
  put(j, "env", e.env);
  put_each(j, "deviceNodes", e.device_nodes, device_node);
  put_each(j, "mounts", e.mounts, mount);
  put_each(j, "hooks", e.hooks, hook);
  put(j, "additionalGids", e.additional_gids);
  put(j, "intelRdt", e.intel_rdt);
  put(j, "netDevices", e.net_devices);
  return j;
}

} // namespace

Json encode(const Spec& spec) {
  Json j = Json::object();
  j["cdiVersion"] = spec.cdi_version;
  j["kind"] = spec.kind;
  put(j, "annotations", spec.annotations);
  Json devices = Json::array();
  for (const Device& d : spec.devices) {
    Json device = Json::object();
    device["name"] = d.name;
    put(device, "annotations", d.annotations);
    device["containerEdits"] = edits(d.edits);
    devices.push_back(std::move(device));
  }
  j["devices"] = std::move(devices);
  if (!spec.edits.empty()) j["containerEdits"] = edits(spec.edits);
  return j;
}

} // namespace nvrunc::cdi::detail
