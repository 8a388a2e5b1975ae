// The simulated node's device nodes, MIG capability files, sysfs and IPC endpoints, as data
// (node_layout.hpp). Numbers and formats are the real driver's (reference §3, §3.1, §2.3, §2.7).
#include "nvrunc/mock/node_layout.hpp"

#include <cstdio>
#include <set>

#include "nvrunc/mock/mig.hpp"

namespace nvrunc::mock {

namespace {

constexpr unsigned nvidia_major = 195;
constexpr unsigned misc_major = 10;
constexpr unsigned gds_nodes = 16;       // nvidia-fs creates nvidia-fs0..15
constexpr unsigned uverbs_first_minor = 192;
// The BMC's VGA controller that owns card0 on DGX-like servers (ASPEED AST2500).
constexpr const char* bmc_bus = "0000:03:00.0";

std::string hex(unsigned value, int digits) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%0*x", digits, value);
  return text;
}

// A100 and older DGX boards have 6 NVSwitches, Hopper ones 4.
unsigned nvswitch_count(const NodeFacts& node) {
  return !node.gpus.empty() && node.gpus.front().model.cc_major >= 9 ? 4 : 6;
}

void add_mig_devices(const NodeFacts& node, std::vector<DeviceFile>& out) {
  const std::string dir = "/dev/nvidia-caps/nvidia-cap";
  out.push_back({dir + "1", node.caps_major, mig_config_minor, mig_config_mode, 0, "mig-config"});
  out.push_back({dir + "2", node.caps_major, mig_monitor_minor, mig_access_mode, 0, "mig-monitor"});
  std::set<unsigned> done;
  for (const auto& gpu : node.gpus)
    for (const auto& d : gpu.mig) {
      if (done.insert(d.gi_cap).second)
        out.push_back({dir + std::to_string(d.gi_cap), node.caps_major, d.gi_cap, mig_access_mode, 0, "mig-gi-access"});
      out.push_back({dir + std::to_string(d.ci_cap), node.caps_major, d.ci_cap, mig_access_mode, 0, "mig-ci-access"});
    }
}

void add_dri_devices(const NodeFacts& node, std::vector<DeviceFile>& out) {
  out.push_back({"/dev/dri/card0", drm_major, 0, 0660, node.video_gid, "dri-card"}); // the BMC's
  for (const auto& gpu : node.gpus) {
    const unsigned card = drm_card_minor(gpu), render = drm_render_minor(gpu);
    out.push_back({"/dev/dri/card" + std::to_string(card), drm_major, card, 0660, node.video_gid, "dri-card"});
    out.push_back({"/dev/dri/renderD" + std::to_string(render), drm_major, render, 0666, node.render_gid, "dri-render"});
  }
}

void add_feature_devices(const NodeFacts& node, std::vector<DeviceFile>& out) {
  const auto& f = node.features;
  for (unsigned i = 0; f.gds && i < gds_nodes; ++i)
    out.push_back({"/dev/nvidia-fs" + std::to_string(i), node.nvidia_fs_major, i, 0666, 0, "gds"});
  if (f.mofed) {
    for (unsigned i = 0; i < 2; ++i)
      out.push_back({"/dev/infiniband/uverbs" + std::to_string(i), node.uverbs_major, uverbs_first_minor + i, 0666, 0,
                     "mofed"});
    out.push_back({"/dev/infiniband/rdma_cm", misc_major, node.rdma_cm_minor, 0666, 0, "mofed"});
  }
  if (f.nvswitch) {
    out.push_back({"/dev/nvidia-nvswitchctl", node.nvswitch_major, 255, 0666, 0, "nvswitch"});
    for (unsigned i = 0; i < nvswitch_count(node); ++i)
      out.push_back({"/dev/nvidia-nvswitch" + std::to_string(i), node.nvswitch_major, i, 0666, 0, "nvswitch"});
  }
  if (f.gdrcopy) out.push_back({"/dev/gdrdrv", node.gdrdrv_major, 0, 0666, 0, "gdrcopy"});
}

void add_file(NodeLayout& layout, std::string path, std::string content, unsigned mode, const char* what) {
  layout.files.push_back({std::move(path), std::move(content), mode, what});
}

// sys/devices/pci<domain>:00/<bus>: the files `lspci` and udev read, and drm/<node>/{dev,uevent}.
std::string pci_dir(const std::string& bus) { return "/sys/devices/pci" + bus.substr(0, 4) + ":00/" + bus; }

void add_pci_device(NodeLayout& layout, const std::string& bus, unsigned id, unsigned subsystem, unsigned cls,
                    const char* driver) {
  const std::string dir = pci_dir(bus);
  const unsigned vendor = id & 0xffff, device = id >> 16, sub_vendor = subsystem & 0xffff, sub_device = subsystem >> 16;
  add_file(layout, dir + "/vendor", hex(vendor, 4) + "\n", 0444, "sysfs");
  add_file(layout, dir + "/device", hex(device, 4) + "\n", 0444, "sysfs");
  add_file(layout, dir + "/subsystem_vendor", hex(sub_vendor, 4) + "\n", 0444, "sysfs");
  add_file(layout, dir + "/subsystem_device", hex(sub_device, 4) + "\n", 0444, "sysfs");
  add_file(layout, dir + "/class", hex(cls, 6) + "\n", 0444, "sysfs");
  char uevent[256];
  std::snprintf(uevent, sizeof uevent, "DRIVER=%s\nPCI_CLASS=%X\nPCI_ID=%04X:%04X\nPCI_SUBSYS_ID=%04X:%04X\nPCI_SLOT_NAME=%s\n",
                driver, cls, vendor, device, sub_vendor, sub_device, bus.c_str());
  add_file(layout, dir + "/uevent", uevent, 0644, "sysfs");
  layout.links.push_back({"/sys/bus/pci/devices/" + bus, "../../../devices/pci" + bus.substr(0, 4) + ":00/" + bus});
}

void add_drm_node(NodeLayout& layout, const std::string& bus, const std::string& name, unsigned minor) {
  const std::string dir = pci_dir(bus) + "/drm/" + name;
  add_file(layout, dir + "/dev", std::to_string(drm_major) + ":" + std::to_string(minor) + "\n", 0444, "sysfs");
  add_file(layout, dir + "/uevent",
           "MAJOR=226\nMINOR=" + std::to_string(minor) + "\nDEVNAME=dri/" + name + "\nDEVTYPE=drm_minor\n", 0644,
           "sysfs");
  layout.links.push_back({"/sys/class/drm/" + name, "../../devices/pci" + bus.substr(0, 4) + ":00/" + bus + "/drm/" + name});
  const char* kind = name.rfind("card", 0) == 0 ? "card" : "render";
  layout.links.push_back({"/dev/dri/by-path/pci-" + bus + "-" + kind, "../" + name});
}

} // namespace

unsigned drm_card_minor(const Gpu& gpu) { return gpu.index + 1; }
unsigned drm_render_minor(const Gpu& gpu) { return 128 + gpu.index; }

bool NodeFacts::has_mig() const {
  for (const auto& gpu : gpus)
    if (gpu.mig_enabled) return true;
  return false;
}

std::vector<DeviceFile> node_devices(const NodeFacts& node) {
  std::vector<DeviceFile> out;
  for (const auto& gpu : node.gpus)
    out.push_back({"/dev/nvidia" + std::to_string(gpu.minor), nvidia_major, gpu.minor, 0666, 0, "gpu"});
  out.push_back({"/dev/nvidiactl", nvidia_major, 255, 0666, 0, "nvidiactl"});
  out.push_back({"/dev/nvidia-modeset", nvidia_major, 254, 0666, 0, "modeset"});
  out.push_back({"/dev/nvidia-uvm", node.uvm_major, 0, 0666, 0, "uvm"});
  out.push_back({"/dev/nvidia-uvm-tools", node.uvm_major, 1, 0666, 0, "uvm-tools"});
  if (node.has_mig()) add_mig_devices(node, out);
  if (node.features.dri) add_dri_devices(node, out);
  add_feature_devices(node, out);
  return out;
}

void add_mig_files(const NodeFacts& node, NodeLayout& layout) {
  if (!node.has_mig()) return;
  const std::string caps = "/proc/driver/nvidia/capabilities";
  add_file(layout, caps + "/mig/config", mig_cap_file(mig_config_minor, mig_config_mode), 0400, "mig");
  add_file(layout, caps + "/mig/monitor", mig_cap_file(mig_monitor_minor, mig_access_mode), 0444, "mig");
  add_file(layout, "/proc/driver/nvidia-caps/mig-minors", mig_minors_file(), 0444, "mig");
  for (const auto& gpu : node.gpus) {
    std::set<unsigned> done;
    for (const auto& d : gpu.mig) {
      const std::string gi = caps + "/gpu" + std::to_string(gpu.minor) + "/mig/gi" + std::to_string(d.gi);
      if (done.insert(d.gi).second) add_file(layout, gi + "/access", mig_cap_file(d.gi_cap, mig_access_mode), 0444, "mig");
      add_file(layout, gi + "/ci" + std::to_string(d.ci) + "/access", mig_cap_file(d.ci_cap, mig_access_mode), 0444,
               "mig");
    }
  }
}

void add_sysfs(const NodeFacts& node, NodeLayout& layout) {
  for (const auto& gpu : node.gpus) {
    const std::string bus = gpu.proc_bus_id();
    add_pci_device(layout, bus, gpu.model.pci_device_id, gpu.model.pci_subsystem_id, 0x030200, "nvidia");
    if (!node.features.dri) continue;
    add_drm_node(layout, bus, "card" + std::to_string(drm_card_minor(gpu)), drm_card_minor(gpu));
    add_drm_node(layout, bus, "renderD" + std::to_string(drm_render_minor(gpu)), drm_render_minor(gpu));
  }
  if (!node.features.dri) return;
  add_pci_device(layout, bmc_bus, 0x20001a03, 0x20001a03, 0x030000, "ast");
  add_drm_node(layout, bmc_bus, "card0", 0);
}

void add_ipc(const NodeFacts& node, NodeLayout& layout) {
  const auto& f = node.features;
  if (f.persistenced) layout.sockets.push_back("/run/nvidia-persistenced/socket");
  if (f.fabricmanager) layout.sockets.push_back("/run/nvidia-fabricmanager/socket");
  if (f.mps) layout.dirs.push_back("/tmp/nvidia-mps");
  if (f.gds) {
    layout.dirs.push_back("/run/udev");
    add_file(layout, "/etc/cufile.json",
             "{\n    \"logging\": {\n        \"dir\": \"/var/log\",\n        \"level\": \"ERROR\"\n    },\n"
             "    \"properties\": {\n        \"max_direct_io_size_kb\": 16384,\n        \"use_poll_mode\": false\n"
             "    }\n}\n",
             0644, "gds");
  }
  if (f.persistenced || f.fabricmanager || f.gds) layout.links.push_back({"/var/run", "../run"}); // Debian's
}

std::vector<std::string> node_binaries(const NodeFacts& node) {
  std::vector<std::string> names = {"nvidia-smi", "nvidia-debugdump", "nvidia-persistenced", "nvidia-cuda-mps-control",
                                    "nvidia-cuda-mps-server"};
  if (node.features.nvswitch) names.push_back("nv-fabricmanager");
  return names;
}

NodeLayout plan_layout(const NodeFacts& node) {
  NodeLayout layout;
  layout.devices = node_devices(node);
  add_mig_files(node, layout);
  add_sysfs(node, layout);
  add_graphics_files(node, layout);
  add_firmware(node, layout);
  add_ipc(node, layout);
  return layout;
}

} // namespace nvrunc::mock
