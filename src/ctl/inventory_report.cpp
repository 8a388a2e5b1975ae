// `nvrunc-ctl info`: the inventory for people (text) and machines (JSON), with what is missing.
#include <fmt/format.h>

#include <algorithm>

#include "nvrunc/discover/driver_files.hpp"
#include "report.hpp"

namespace nvrunc::ctl {

namespace {

using discover::Inventory;
using discover::NvmlFacts;

std::string node_text(const discover::DeviceNode& n) {
  return fmt::format("  {:<34} {} {}:{} mode {:04o}{}{}\n", n.path, n.type, n.major, n.minor, n.mode,
                     n.on_host ? "" : " (not on the host: runc creates it)", n.problem.empty() ? "" : "  PROBLEM: " + n.problem);
}

const discover::NvmlGpu* nvml_gpu(const NvmlFacts* nvml, const discover::Gpu& g) {
  if (!nvml) return nullptr;
  for (const auto& n : nvml->gpus)
    if (n.bus_id == g.bus_id) return &n;
  return nullptr;
}

// Every node, in the order a plan would list them.
std::vector<const discover::DeviceNode*> all_nodes(const Inventory& inv) {
  std::vector<const discover::DeviceNode*> out;
  for (const auto* n : {&inv.nvidiactl, &inv.uvm, &inv.uvm_tools, &inv.modeset, &inv.mig_config, &inv.mig_monitor})
    if (*n) out.push_back(&**n);
  for (const auto& g : inv.gpus) {
    out.push_back(&g.node);
    for (const auto& m : g.mig) out.insert(out.end(), {&m.gi_cap, &m.ci_cap});
    for (const auto& d : g.drm) out.push_back(&d);
  }
  for (const auto& f : inv.features)
    for (const auto& n : f) out.push_back(&n);
  std::vector<const discover::DeviceNode*> unique;
  for (const auto* n : out)
    if (std::none_of(unique.begin(), unique.end(), [&](auto* u) { return u->path == n->path; })) unique.push_back(n);
  return unique;
}

// What a complete driver would have and this node lacks.
std::vector<std::string> missing(const Inventory& inv) {
  std::vector<std::string> out;
  if (!inv.uvm) out.push_back("/dev/nvidia-uvm (nvidia-uvm module not loaded): CUDA cannot run");
  for (const auto& lib : discover::driver_libraries())
    if (std::none_of(inv.libraries.begin(), inv.libraries.end(), [&](auto& l) { return l.prefix == lib.prefix; }))
      out.push_back(std::string(capability_name(lib.capability)) + " library " + std::string(lib.prefix) + ".*");
  for (const auto& bin : discover::driver_binaries())
    if (std::none_of(inv.binaries.begin(), inv.binaries.end(), [&](auto& b) { return b.name == bin.name; }))
      out.push_back(std::string(capability_name(bin.capability)) + " binary " + std::string(bin.name));
  return out;
}

OrderedJson gpu_json(const discover::Gpu& g, const discover::NvmlGpu* n) {
  OrderedJson j = {{"index", g.index}, {"minor", g.minor}, {"uuid", g.uuid}, {"bus_id", g.bus_id}, {"model", g.model}};
  if (n && n->arch) j["arch"] = *n->arch;
  if (n && n->brand) j["brand"] = *n->brand;
  j["mig"] = OrderedJson::array();
  for (const auto& m : g.mig) {
    OrderedJson mj = {{"gi", m.gi}, {"ci", m.ci}, {"gi_cap", m.gi_cap.path}, {"ci_cap", m.ci_cap.path}};
    if (n)
      for (const auto& nm : n->mig)
        if (nm.gi == m.gi && nm.ci == m.ci) mj["index"] = nm.index, mj["uuid"] = nm.uuid, mj["name"] = nm.name;
    j["mig"].push_back(mj);
  }
  return j;
}

OrderedJson files_json(const std::vector<discover::HostFile>& files) {
  OrderedJson out = OrderedJson::array();
  for (const auto& f : files) out.push_back({{"what", f.what}, {"path", f.container_path}, {"host_path", f.host_path}});
  return out;
}

std::string gpu_text(const discover::Gpu& g, const discover::NvmlGpu* n) {
  std::string s = fmt::format("  {}  minor {}  {}  {}  {}{}\n", g.index, g.minor, g.uuid, g.bus_id, g.model,
                              n && n->arch ? "  arch " + *n->arch : "");
  for (const auto& m : g.mig) {
    std::string uuid = "(MIG UUID needs NVML)";
    if (n)
      for (const auto& nm : n->mig)
        if (nm.gi == m.gi && nm.ci == m.ci) uuid = fmt::format("{}:{}  {}  {}", g.index, nm.index, nm.uuid, nm.name);
    s += fmt::format("      MIG GI {} CI {}  {}  caps {} {}\n", m.gi, m.ci, uuid, m.gi_cap.minor, m.ci_cap.minor);
  }
  return s;
}

} // namespace

OrderedJson node_json(const discover::DeviceNode& n) {
  return {{"path", n.path}, {"type", std::string(1, n.type)}, {"major", n.major}, {"minor", n.minor},
          {"mode", fmt::format("{:04o}", n.mode)}, {"on_host", n.on_host}, {"problem", n.problem}};
}

OrderedJson inventory_json(const Inventory& inv, const NvmlFacts* nvml, const config::Config& config) {
  OrderedJson j;
  j["config"] = config.source;
  j["driver_root"] = config.driver_root;
  j["driver_version"] = inv.driver_version;
  j["cuda_version"] = nvml && nvml->cuda_version ? *nvml->cuda_version : "";
  j["gpus"] = OrderedJson::array();
  for (const auto& g : inv.gpus) j["gpus"].push_back(gpu_json(g, nvml_gpu(nvml, g)));
  j["nodes"] = OrderedJson::array();
  for (const auto* n : all_nodes(inv)) j["nodes"].push_back(node_json(*n));
  j["libraries"] = OrderedJson::array();
  for (const auto* list : {&inv.libraries, &inv.libraries32})
    for (const auto& l : *list)
      j["libraries"].push_back({{"capability", capability_name(l.capability)}, {"soname", l.soname}, {"path", l.path},
                                {"bits", list == &inv.libraries ? 64 : 32}});
  j["binaries"] = OrderedJson::array();
  for (const auto& b : inv.binaries)
    j["binaries"].push_back({{"capability", capability_name(b.capability)}, {"name", b.name}, {"path", b.path}});
  j["ipc"] = files_json(inv.ipc);
  j["firmware"] = files_json(inv.firmware);
  j["graphics_files"] = files_json(inv.graphics_files);
  j["xorg_modules"] = files_json(inv.xorg_modules);
  j["missing"] = missing(inv);
  j["warnings"] = inv.warnings;
  return j;
}

std::string inventory_text(const Inventory& inv, const NvmlFacts* nvml, const config::Config& config) {
  std::string s = fmt::format("config:          {}\ndriver root:     {}\n", config.source, config.driver_root);
  if (!inv.driver_loaded()) return s + "driver:          none loaded (no /proc/driver/nvidia/version)\n";
  s += fmt::format("driver version:  {}\ncuda version:    {}\n\nGPUs ({}):\n", inv.driver_version,
                   nvml && nvml->cuda_version ? *nvml->cuda_version : "unknown (NVML not available)", inv.gpus.size());
  for (const auto& g : inv.gpus) s += gpu_text(g, nvml_gpu(nvml, g));
  s += "\ndevice nodes:\n";
  for (const auto* n : all_nodes(inv)) s += node_text(*n);
  s += fmt::format("\nlibraries ({} + {} 32-bit):\n", inv.libraries.size(), inv.libraries32.size());
  for (const auto& l : inv.libraries) s += fmt::format("  {:<9} {:<34} {}\n", capability_name(l.capability), l.soname, l.path);
  for (const auto& l : inv.libraries32) s += fmt::format("  {:<9} {:<34} {}\n", "32-bit", l.soname, l.path);
  s += fmt::format("\nbinaries ({}):\n", inv.binaries.size());
  for (const auto& b : inv.binaries) s += fmt::format("  {:<9} {}\n", capability_name(b.capability), b.path);
  s += "\nother files:\n";
  for (const auto* list : {&inv.ipc, &inv.firmware, &inv.graphics_files, &inv.xorg_modules})
    for (const auto& f : *list) s += fmt::format("  {:<22} {}\n", f.what, f.container_path);
  const auto lacking = missing(inv);
  if (!lacking.empty()) s += "\nmissing:\n";
  for (const auto& m : lacking) s += "  " + m + "\n";
  if (!inv.warnings.empty()) s += "\nnotes:\n";
  for (const auto& w : inv.warnings) s += "  " + w + "\n";
  return s;
}

} // namespace nvrunc::ctl
