// mock-driver.json: how tests learn what a simulated node has. Paths are absolute inside the node
// (join them to "root"); modes are octal strings ("0666"). Additive changes keep "format": 1.
#include <cstdio>

#include <nlohmann/json.hpp>

#include "nvrunc/mock/mig.hpp"
#include "nvrunc/mock/node_files.hpp"
#include "nvrunc/mock/node_layout.hpp"

namespace nvrunc::mock {

namespace {

using Json = nlohmann::ordered_json;

std::string octal(unsigned mode) {
  char text[16];
  std::snprintf(text, sizeof text, "%04o", mode);
  return text;
}

Json features_json(const NodeFeatures& f) {
  return {{"dri", f.dri},       {"compat32", f.compat32}, {"persistenced", f.persistenced},
          {"fabricmanager", f.fabricmanager}, {"mps", f.mps}, {"gds", f.gds},
          {"mofed", f.mofed},   {"nvswitch", f.nvswitch}, {"gdrcopy", f.gdrcopy}};
}

Json majors_json(const NodeFacts& node) {
  Json majors = {{"nvidia", 195}, {"nvidia-uvm", node.uvm_major}, {"nvidia-caps", node.caps_major}};
  if (node.nvidia_fs_major) majors["nvidia-fs"] = node.nvidia_fs_major;
  if (node.nvswitch_major) majors["nvidia-nvswitch"] = node.nvswitch_major;
  if (node.gdrdrv_major) majors["gdrdrv"] = node.gdrdrv_major;
  if (node.uverbs_major) majors["infiniband_verbs"] = node.uverbs_major;
  if (node.features.dri) majors["drm"] = drm_major;
  return majors;
}

std::string cap_node(unsigned minor) { return "/dev/nvidia-caps/nvidia-cap" + std::to_string(minor); }

Json mig_json(const Gpu& gpu, const MigDevice& d) {
  const std::string gi = "/proc/driver/nvidia/capabilities/gpu" + std::to_string(gpu.minor) + "/mig/gi" +
                         std::to_string(d.gi);
  return {{"index", d.index},
          {"gi", d.gi},
          {"ci", d.ci},
          {"uuid", d.uuid},
          {"profile", d.profile},
          {"gi_profile", d.gi_profile},
          {"name", gpu.model.name + " MIG " + d.profile},
          {"memory_mib", d.memory_mib},
          {"gi_slices", d.gi_slices},
          {"ci_slices", d.ci_slices},
          {"placement", d.placement},
          {"gi_cap_minor", d.gi_cap},
          {"ci_cap_minor", d.ci_cap},
          {"gi_cap_device", cap_node(d.gi_cap)},
          {"ci_cap_device", cap_node(d.ci_cap)},
          {"gi_cap_file", gi + "/access"},
          {"ci_cap_file", gi + "/ci" + std::to_string(d.ci) + "/access"}};
}

Json gpu_json(const NodeFacts& node, const Gpu& gpu) {
  Json out = {{"index", gpu.index},       {"minor", gpu.minor},
              {"uuid", gpu.uuid},         {"bus_id", gpu.bus_id()},
              {"name", gpu.model.name},   {"mig_capable", gpu.model.mig_capable},
              {"mig_enabled", gpu.mig_enabled}};
  out["mig"] = Json::array();
  for (const auto& d : gpu.mig) out["mig"].push_back(mig_json(gpu, d));
  out["sysfs"] = "/sys/bus/pci/devices/" + gpu.proc_bus_id();
  out["dri"] = Json::array();
  if (node.features.dri) {
    const unsigned card = drm_card_minor(gpu), render = drm_render_minor(gpu);
    out["dri"].push_back({{"path", "/dev/dri/card" + std::to_string(card)}, {"major", drm_major}, {"minor", card}});
    out["dri"].push_back({{"path", "/dev/dri/renderD" + std::to_string(render)}, {"major", drm_major}, {"minor", render}});
  }
  return out;
}

Json libraries_json(const std::vector<LibraryFile>& libraries) {
  Json out = Json::array();
  for (const auto& lib : libraries) out.push_back({{"path", lib.path()}, {"soname", lib.soname}, {"what", lib.what}});
  return out;
}

void add_layout(const NodeLayout& layout, Json& doc) {
  doc["devices"] = Json::array();
  for (const auto& d : layout.devices)
    doc["devices"].push_back({{"path", d.path}, {"type", "c"}, {"major", d.major}, {"minor", d.minor},
                              {"mode", octal(d.mode)}, {"gid", d.gid}, {"what", d.what}});
  doc["files"] = Json::array();
  for (const auto& f : layout.files)
    if (f.what != "sysfs") doc["files"].push_back({{"path", f.path}, {"mode", octal(f.mode)}, {"what", f.what}});
  doc["links"] = Json::array();
  for (const auto& l : layout.links) doc["links"].push_back({{"path", l.path}, {"target", l.target}});
  doc["sockets"] = layout.sockets;
  doc["directories"] = layout.dirs;
}

} // namespace

std::string node_json(const NodeFacts& node) {
  Json doc;
  doc["generator"] = "nvrunc-ctl mock-driver";
  doc["format"] = 1;
  doc["root"] = node.root;
  doc["driver_version"] = node.driver_version;
  doc["cuda_version"] = format_cuda_version(node.cuda_version);
  doc["cuda_driver_version"] = node.cuda_version;
  doc["uvm_major"] = node.uvm_major;
  doc["caps_major"] = node.caps_major;
  doc["majors"] = majors_json(node);
  doc["features"] = features_json(node.features);
  doc["gpus"] = Json::array();
  for (const auto& gpu : node.gpus) doc["gpus"].push_back(gpu_json(node, gpu));
  if (node.has_mig())
    doc["mig"] = {{"config", {{"minor", mig_config_minor}, {"device", cap_node(mig_config_minor)},
                              {"file", "/proc/driver/nvidia/capabilities/mig/config"}}},
                  {"monitor", {{"minor", mig_monitor_minor}, {"device", cap_node(mig_monitor_minor)},
                               {"file", "/proc/driver/nvidia/capabilities/mig/monitor"}}},
                  {"minors_file", "/proc/driver/nvidia-caps/mig-minors"}};
  doc["libraries"] = libraries_json(native_libraries(node.driver_version));
  doc["libraries32"] = libraries_json(node.features.compat32 ? compat32_libraries(node.driver_version)
                                                             : std::vector<LibraryFile>{});
  doc["extra_libraries"] = libraries_json(extra_libraries(node.driver_version));
  doc["binaries"] = Json::array();
  for (const auto& name : node_binaries(node)) doc["binaries"].push_back("/usr/bin/" + name);
  add_layout(plan_layout(node), doc);
  return doc.dump(2) + "\n";
}

} // namespace nvrunc::mock
