#include "nvrunc/spec/view.hpp"

namespace nvrunc::spec {

namespace {

const Json* member(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it == obj.end() ? nullptr : &*it;
}

std::string string_member(const Json& obj, std::string_view key) {
  const Json* m = member(obj, key);
  return m && m->is_string() ? m->get<std::string>() : std::string();
}

} // namespace

std::vector<std::string> process_env(const Json& spec) {
  std::vector<std::string> env;
  const Json* process = member(spec, "process");
  const Json* list = process ? member(*process, "env") : nullptr;
  if (!list || !list->is_array()) return env;
  for (const auto& e : *list)
    if (e.is_string()) env.push_back(e.get<std::string>());
  return env;
}

std::optional<std::string> env_value(const std::vector<std::string>& env, std::string_view name) {
  std::optional<std::string> value;
  for (const auto& e : env) {
    if (e.size() > name.size() && e.compare(0, name.size(), name) == 0 && e[name.size()] == '=')
      value = e.substr(name.size() + 1);
    else if (e == name)
      value = std::string(); // "NAME" without '=': present and empty, as Go's env parsing reads it
  }
  return value;
}

std::map<std::string, std::string> annotations(const Json& spec) {
  std::map<std::string, std::string> out;
  const Json* a = member(spec, "annotations");
  if (!a || !a->is_object()) return out;
  for (auto it = a->begin(); it != a->end(); ++it)
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  return out;
}

bool has_bounding_capability(const Json& spec, std::string_view cap) {
  const Json* process = member(spec, "process");
  const Json* caps = process ? member(*process, "capabilities") : nullptr;
  const Json* bounding = caps ? member(*caps, "bounding") : nullptr;
  if (!bounding || !bounding->is_array()) return false;
  for (const auto& c : *bounding)
    if (c.is_string() && c.get<std::string>() == cap) return true;
  return false;
}

std::vector<MountView> mounts(const Json& spec) {
  std::vector<MountView> out;
  const Json* list = member(spec, "mounts");
  if (!list || !list->is_array()) return out;
  for (const auto& m : *list)
    out.push_back({string_member(m, "destination"), string_member(m, "source"), string_member(m, "type")});
  return out;
}

std::string root_path(const Json& spec) {
  const Json* root = member(spec, "root");
  return root ? string_member(*root, "path") : std::string();
}

std::string rootfs_host_path(const Json& spec, const std::string& bundle_dir) {
  std::string path = root_path(spec);
  if (path.empty() || path.front() == '/') return path;
  return (bundle_dir.empty() ? std::string(".") : bundle_dir) + "/" + path;
}

} // namespace nvrunc::spec
