#include "report.hpp"

#include <fmt/format.h>

#include <cstdio>

#include "nvrunc/os/file.hpp"

namespace nvrunc::ctl {

namespace {

OrderedJson requirements_json(const std::vector<require::Requirement>& requirements) {
  OrderedJson out = OrderedJson::array();
  for (const auto& r : requirements) out.push_back({{"variable", r.variable}, {"expression", r.expression}});
  return out;
}

} // namespace

OrderedJson plan_json(const runtime::BundlePlan& p) {
  OrderedJson j;
  j["config_json"] = p.document.path;
  j["request"] = {{"source", p.request.source},
                  {"gpu_container", p.request.wants_driver()},
                  {"capabilities", p.request.capabilities.to_string()},
                  {"requirements", requirements_json(p.request.requirements)},
                  {"notes", p.request.notes}};
  j["requirements_checked"] = !p.request.requirements.empty() && !p.request.requirements_disabled;
  j["cuda_version"] = p.nvml && p.nvml->cuda_version ? *p.nvml->cuda_version : "";
  j["gpus"] = OrderedJson::array();
  for (const auto* g : p.plan.gpus) j["gpus"].push_back({{"index", g->index}, {"uuid", g->uuid}});
  j["mig_devices"] = OrderedJson::array();
  for (const auto& m : p.plan.mig)
    j["mig_devices"].push_back({{"id", m.id}, {"gpu", m.gpu->index}, {"gi", m.instance->gi}, {"ci", m.instance->ci}});
  j["library_dir"] = p.target.library_dir;
  j["library_dir32"] = p.target.library_dir32;
  j["cuda_compat_dir"] = p.target.compat_dir;
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
  s += fmt::format("capabilities:    {}\nlibrary dir:     {}{}\n", p.request.capabilities.to_string(), p.target.library_dir,
                   p.target.library_dir32.empty() ? "" : " (32-bit: " + p.target.library_dir32 + ")");
  if (!p.target.compat_dir.empty())
    s += "cuda compat:     " + p.target.compat_dir + " goes first (its libcuda is newer than the driver)\n";
  for (const auto& r : p.request.requirements)
    s += fmt::format("requirement:     {}: {}  {}\n", r.variable, r.expression,
                     p.request.requirements_disabled ? "(disabled)" : "(met)");
  for (const auto& m : p.plan.mig)
    s += fmt::format("MIG device:      {} = GPU {} GI {} CI {}\n", m.id, m.gpu->index, m.instance->gi, m.instance->ci);
  s += "\ndevices (linux.devices + an allow rule in linux.resources.devices):\n";
  for (const auto& d : p.plan.edits.device_nodes)
    s += fmt::format("  {:<34} {} {}:{} {:<3} {}\n", d.path, d.type, d.major, d.minor, d.permissions, d.reason);
  s += "\nmounts (bind; read-only except IPC endpoints):\n";
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
