#include "report.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "nvrunc/os/file.hpp"

namespace nvrunc::ctl {

namespace {

OrderedJson node_json(const discover::DeviceNode& n) {
  return {{"path", n.path}, {"type", std::string(1, n.type)}, {"major", n.major}, {"minor", n.minor},
          {"mode", fmt::format("{:04o}", n.mode)}, {"on_host", n.on_host}, {"problem", n.problem}};
}

std::string node_text(const discover::DeviceNode& n) {
  return fmt::format("  {:<24} {} {}:{} mode {:04o}{}{}\n", n.path, n.type, n.major, n.minor, n.mode,
                     n.on_host ? "" : " (not on the host: runc creates it)", n.problem.empty() ? "" : "  PROBLEM: " + n.problem);
}

OrderedJson requirements_json(const std::vector<require::Requirement>& requirements) {
  OrderedJson out = OrderedJson::array();
  for (const auto& r : requirements) out.push_back({{"variable", r.variable}, {"expression", r.expression}});
  return out;
}

} // namespace

OrderedJson inventory_json(const discover::Inventory& inv, const config::Config& config) {
  OrderedJson j;
  j["config"] = config.source;
  j["driver_root"] = config.driver_root;
  j["driver_version"] = inv.driver_version;
  j["gpus"] = OrderedJson::array();
  for (const auto& g : inv.gpus)
    j["gpus"].push_back({{"index", g.index}, {"minor", g.minor}, {"uuid", g.uuid}, {"bus_id", g.bus_id}, {"model", g.model}});
  j["nodes"] = OrderedJson::array();
  for (const auto* n : {&inv.nvidiactl, &inv.uvm, &inv.uvm_tools, &inv.modeset})
    if (*n) j["nodes"].push_back(node_json(**n));
  for (const auto& g : inv.gpus) j["nodes"].push_back(node_json(g.node));
  j["libraries"] = OrderedJson::array();
  for (const auto& l : inv.libraries)
    j["libraries"].push_back({{"capability", capability_name(l.capability)}, {"soname", l.soname}, {"path", l.path}});
  j["binaries"] = OrderedJson::array();
  for (const auto& b : inv.binaries)
    j["binaries"].push_back({{"capability", capability_name(b.capability)}, {"name", b.name}, {"path", b.path}});
  j["warnings"] = inv.warnings;
  return j;
}

std::string inventory_text(const discover::Inventory& inv, const config::Config& config) {
  std::string s = fmt::format("config:          {}\ndriver root:     {}\n", config.source, config.driver_root);
  if (!inv.driver_loaded()) return s + "driver:          none loaded (no /proc/driver/nvidia/version)\n";
  s += fmt::format("driver version:  {}\n\nGPUs ({}):\n", inv.driver_version, inv.gpus.size());
  for (const auto& g : inv.gpus) s += fmt::format("  {}  minor {}  {}  {}  {}\n", g.index, g.minor, g.uuid, g.bus_id, g.model);
  s += "\ndevice nodes:\n";
  for (const auto* n : {&inv.nvidiactl, &inv.uvm, &inv.uvm_tools, &inv.modeset})
    if (*n) s += node_text(**n);
  for (const auto& g : inv.gpus) s += node_text(g.node);
  s += fmt::format("\nlibraries ({}):\n", inv.libraries.size());
  for (const auto& l : inv.libraries) s += fmt::format("  {:<9} {:<34} {}\n", capability_name(l.capability), l.soname, l.path);
  s += fmt::format("\nbinaries ({}):\n", inv.binaries.size());
  for (const auto& b : inv.binaries) s += fmt::format("  {:<9} {}\n", capability_name(b.capability), b.path);
  if (!inv.warnings.empty()) s += "\nnotes:\n";
  for (const auto& w : inv.warnings) s += "  " + w + "\n";
  return s;
}

OrderedJson plan_json(const runtime::BundlePlan& p) {
  OrderedJson j;
  j["config_json"] = p.document.path;
  j["request"] = {{"source", p.request.source},
                  {"gpu_container", p.request.wants_driver()},
                  {"capabilities", p.request.capabilities.to_string()},
                  {"requirements", requirements_json(p.request.requirements)},
                  {"notes", p.request.notes}};
  j["library_dir"] = p.target.library_dir;
  j["devices"] = OrderedJson::array();
  for (const auto& d : p.plan.edits.device_nodes)
    j["devices"].push_back({{"path", d.path}, {"type", std::string(1, d.type)}, {"major", d.major}, {"minor", d.minor},
                            {"cgroup_access", d.permissions}, {"reason", d.reason}});
  j["mounts"] = OrderedJson::array();
  for (const auto& m : p.plan.edits.mounts)
    j["mounts"].push_back({{"source", m.host_path}, {"destination", m.container_path}, {"options", m.options}, {"reason", m.reason}});
  j["hooks"] = OrderedJson::array();
  for (const auto& h : p.plan.edits.hooks)
    j["hooks"].push_back({{"stage", h.hook_name}, {"path", h.path}, {"args", h.args}, {"env", h.env}, {"reason", h.reason}});
  j["changes_config_json"] = p.changes_spec();
  return j;
}

std::string plan_text(const runtime::BundlePlan& p) {
  std::string s = fmt::format("bundle config:   {}\nrequest:         {}\n", p.document.path, p.request.source);
  for (const auto& n : p.request.notes) s += "note:            " + n + "\n";
  if (!p.request.wants_driver()) return s + "result:          not a GPU container: config.json is passed to runc unchanged\n";
  s += fmt::format("capabilities:    {}\nlibrary dir:     {}\n", p.request.capabilities.to_string(), p.target.library_dir);
  if (!p.request.requirements.empty())
    for (const auto& r : p.request.requirements)
      s += fmt::format("requirement:     {}={}{}\n", r.variable, r.expression,
                       p.request.requirements_disabled ? " (disabled)" : "");
  s += "\ndevices (linux.devices + an allow rule in linux.resources.devices):\n";
  for (const auto& d : p.plan.edits.device_nodes)
    s += fmt::format("  {:<24} {} {}:{} {:<3} {}\n", d.path, d.type, d.major, d.minor, d.permissions, d.reason);
  s += "\nmounts (read-only bind):\n";
  for (const auto& m : p.plan.edits.mounts) s += fmt::format("  {:<58} <- {}  ({})\n", m.container_path, m.host_path, m.reason);
  s += "\nhooks:\n";
  for (const auto& h : p.plan.edits.hooks)
    s += fmt::format("  {}: {} {}\n    env: {}\n    ({})\n", h.hook_name, h.path, fmt::join(h.args.begin() + 1, h.args.end(), " "),
                     fmt::join(h.env, " "), h.reason);
  s += p.changes_spec() ? "\nresult:          config.json would be rewritten with these edits\n"
                        : "\nresult:          config.json already has every edit\n";
  return s;
}

int emit(const std::string& text, const std::string& output, const std::string& command) {
  if (output.empty()) {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0 ? 0 : 1;
  }
  if (auto r = os::write_file_atomic(output, text, {}); !r) {
    std::fprintf(stderr, "nvrunc-ctl: %s: %s\n", command.c_str(), r.error().what().c_str());
    return 1;
  }
  return 0;
}

} // namespace nvrunc::ctl
