// The containerEdits rules (reference library pkg/cdi/container-edits.go, plus absolute paths).
#include <set>

#include "nvrunc/cdi/validate.hpp"
#include "tree.hpp"

namespace nvrunc::cdi {

namespace {

using Problems = std::vector<Problem>;

std::string at(const std::string& path, std::string_view member) { return detail::member_path(path, member); }
std::string at(const std::string& path, std::string_view member, size_t i) {
  return detail::index_path(at(path, member), i);
}

void check_env(const std::vector<std::string>& env, const std::string& path, Problems& out) {
  for (size_t i = 0; i < env.size(); ++i) {
    const auto eq = env[i].find('=');
    if (eq == std::string::npos || eq == 0)
      out.push_back({detail::index_path(path, i), "`" + env[i] + "` is not NAME=value"});
  }
}

void check_absolute(const std::string& value, const std::string& location, Problems& out) {
  if (value.empty()) out.push_back({location, "missing"});
  else if (value.front() != '/') out.push_back({location, "`" + value + "` is not an absolute path"});
}

void check_device_node(const DeviceNode& d, const std::string& path, Problems& out) {
  check_absolute(d.path, at(path, "path"), out);
  if (!d.host_path.value_or("").empty()) check_absolute(*d.host_path, at(path, "hostPath"), out);
  const std::string type = d.type.value_or("");
  if (type != "" && type != "b" && type != "c" && type != "u" && type != "p")
    out.push_back({at(path, "type"), "`" + type + "` is not one of b, c, u, p"});
  const std::string permissions = d.permissions.value_or("");
  if (permissions != "none" && permissions.find_first_not_of("rwm") != std::string::npos)
    out.push_back({at(path, "permissions"), "`" + permissions + "` is not a subset of rwm, or none"});
}

void check_mount(const Mount& m, const std::string& path, Problems& out) {
  // A bind's source is a host path; other types name a source ("tmpfs", "proc") as they please.
  if (m.type.empty() || m.type == "bind" || m.type == "rbind") check_absolute(m.host_path, at(path, "hostPath"), out);
  else if (m.host_path.empty()) out.push_back({at(path, "hostPath"), "missing"});
  check_absolute(m.container_path, at(path, "containerPath"), out);
}

void check_hook(const Hook& h, const std::string& path, Problems& out) {
  static const std::set<std::string> stages = {"prestart",       "createRuntime", "createContainer",
                                               "startContainer", "poststart",     "poststop"};
  if (!stages.contains(h.hook_name))
    out.push_back({at(path, "hookName"), "`" + h.hook_name + "` is not one of prestart, createRuntime, "
                                         "createContainer, startContainer, poststart, poststop"});
  check_absolute(h.path, at(path, "path"), out);
  check_env(h.env, at(path, "env"), out);
  if (h.timeout && *h.timeout <= 0) out.push_back({at(path, "timeout"), "must be greater than 0"});
}

const detail::Shape& raw_shape(std::string_view member) {
  const detail::Shape& edits = *detail::find_field(detail::spec_shape(), "containerEdits")->shape;
  return *detail::find_field(edits, member)->shape;
}

std::string raw_string(const Json& object, const char* key) {
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A Linux interface name (dev_valid_name): 1-15 bytes, not "." or "..", no '/', ':' or blanks.
bool valid_interface_name(const std::string& name) {
  return !name.empty() && name.size() < 16 && name != "." && name != ".." &&
         name.find_first_of("/: \t\n\r\v\f") == std::string::npos;
}

// A shape error of a raw member ("<location>: <reason>") as a problem.
void shape_problem(const Error& error, Problems& out) {
  const std::string& m = error.message();
  const auto sep = m.find(": ");
  out.push_back({m.substr(0, sep), sep == std::string::npos ? m : m.substr(sep + 2)});
}

void check_intel_rdt(const Json& rdt, const std::string& path, Problems& out) {
  if (auto shape = detail::check_tree(rdt, raw_shape("intelRdt"), path); !shape) {
    shape_problem(shape.error(), out);
    return;
  }
  const std::string clos = raw_string(rdt, "closID");
  if (clos.size() >= 4096 || clos == "." || clos == ".." || clos.find_first_of("/\n") != std::string::npos)
    out.push_back({at(path, "closID"), "`" + clos + "` is not a valid file name"});
}

void check_net_devices(const std::vector<Json>& devices, const std::string& path, Problems& out) {
  std::set<std::string> hosts, names;
  for (size_t i = 0; i < devices.size(); ++i) {
    const std::string p = detail::index_path(path, i);
    if (auto shape = detail::check_tree(devices[i], raw_shape("netDevices"), p); !shape) {
      shape_problem(shape.error(), out);
      continue;
    }
    const std::pair<const char*, std::set<std::string>*> keys[] = {{"hostInterfaceName", &hosts}, {"name", &names}};
    for (const auto& [key, seen] : keys) {
      const std::string name = raw_string(devices[i], key);
      if (!valid_interface_name(name)) out.push_back({at(p, key), "`" + name + "` is not a valid interface name"});
      else if (!seen->insert(name).second) out.push_back({at(p, key), "duplicate interface name `" + name + "`"});
    }
  }
}

} // namespace

std::vector<Problem> validate_edits(const ContainerEdits& edits, const std::string& path) {
  Problems out;
  check_env(edits.env, at(path, "env"), out);
  for (size_t i = 0; i < edits.device_nodes.size(); ++i)
    check_device_node(edits.device_nodes[i], at(path, "deviceNodes", i), out);
  for (size_t i = 0; i < edits.mounts.size(); ++i) check_mount(edits.mounts[i], at(path, "mounts", i), out);
  for (size_t i = 0; i < edits.hooks.size(); ++i) check_hook(edits.hooks[i], at(path, "hooks", i), out);
  if (edits.intel_rdt) check_intel_rdt(*edits.intel_rdt, at(path, "intelRdt"), out);
  check_net_devices(edits.net_devices, at(path, "netDevices"), out);
  return out;
}

} // namespace nvrunc::cdi
