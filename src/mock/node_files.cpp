// Text files of a simulated node. Formats copy the real driver's (550/580 series, read on real hosts):
// field names, tabs and spacing matter to parsers such as libnvidia-container's.
#include "nvrunc/mock/node_files.hpp"

#include <cstdio>
#include <map>
#include <set>

#include "nvrunc/common/strings.hpp"

namespace nvrunc::mock {

namespace {

std::string hex(unsigned value) {
  char text[16];
  std::snprintf(text, sizeof text, "0x%08x", value);
  return text;
}

std::string description_gpu_line(const Gpu& gpu) {
  const GpuModel& m = gpu.model;
  return "gpu minor=" + std::to_string(gpu.minor) + " uuid=" + gpu.uuid + " pci=" + gpu.bus_id() +
         " device=" + hex(m.pci_device_id) + " subsystem=" + hex(m.pci_subsystem_id) +
         " brand=" + std::to_string(m.brand) + " cc=" + std::to_string(m.cc_major) + "." +
         std::to_string(m.cc_minor) + " memory=" + std::to_string(m.memory_mib) +
         " power=" + std::to_string(m.power_watts) + " mig=" + (m.mig_capable ? "1" : "0") +
         (gpu.mig_enabled ? " migmode=1" : "") + " name=" + m.name + "\n";
}

std::string description_mig_line(const Gpu& gpu, const MigDevice& d) {
  return "mig minor=" + std::to_string(gpu.minor) + " gi=" + std::to_string(d.gi) + " ci=" + std::to_string(d.ci) +
         " gicap=" + std::to_string(d.gi_cap) + " cicap=" + std::to_string(d.ci_cap) +
         " gislices=" + std::to_string(d.gi_slices) + " cislices=" + std::to_string(d.ci_slices) +
         " memory=" + std::to_string(d.memory_mib) + " uuid=" + d.uuid + " profile=" + d.profile + "\n";
}

void add_device(std::multimap<unsigned, std::string>& devices, unsigned major, const char* name) {
  if (major != 0) devices.emplace(major, name);
}

// Marks the majors of a /proc/devices text's character section as used.
std::set<unsigned> used_majors(const std::string& proc_devices_text) {
  std::set<unsigned> used;
  for (auto line : split(proc_devices_text, '\n')) {
    auto fields = split_trimmed(line, ' ');
    if (fields.empty() || fields[0] == "Block") break; // only the character section counts
    if (is_digits(fields[0])) used.insert(unsigned(std::stoul(fields[0])));
  }
  return used;
}

std::vector<unsigned> free_majors(const std::set<unsigned>& used, size_t count) {
  std::vector<unsigned> free;
  for (unsigned m = 511; m >= 384 && free.size() < count; --m)
    if (!used.count(m)) free.push_back(m);
  for (unsigned m = 254; m >= 234 && free.size() < count; --m)
    if (!used.count(m)) free.push_back(m);
  return free;
}

// Majors every Linux host registers, for a believable /proc/devices.
const std::multimap<unsigned, std::string>& standard_char_devices() {
  static const std::multimap<unsigned, std::string> devices = {
      {1, "mem"},          {4, "/dev/vc/0"}, {4, "tty"}, {4, "ttyS"}, {5, "/dev/tty"}, {5, "/dev/console"},
      {5, "/dev/ptmx"},    {7, "vcs"},       {10, "misc"}, {13, "input"}, {128, "ptm"}, {136, "pts"},
  };
  return devices;
}

} // namespace

std::string library_description(const NodeFacts& node) {
  std::string text = "nvrunc-mock-node 1\n";
  text += "driver=" + node.driver_version + "\n";
  text += "cuda=" + std::to_string(node.cuda_version) + "\n";
  text += "devdir=" + node.root + "/dev\n";
  if (node.has_mig()) text += "caps=" + std::to_string(node.caps_major) + "\n";
  for (const auto& gpu : node.gpus) text += description_gpu_line(gpu);
  for (const auto& gpu : node.gpus)
    for (const auto& d : gpu.mig) text += description_mig_line(gpu, d);
  return text;
}

// The proprietary module's banner; the date is fixed so nodes are reproducible.
std::string proc_version(const NodeFacts& node) {
  return "NVRM version: NVIDIA UNIX x86_64 Kernel Module  " + node.driver_version +
         "  Tue Mar  5 22:23:56 UTC 2024\nGCC version:  gcc version 12.2.0 (Debian 12.2.0-14) \n";
}

std::string proc_params() {
  return "ResmanDebugLevel: 4294967295\nRmLogonRC: 1\nModifyDeviceFiles: 1\nDeviceFileUID: 0\n"
         "DeviceFileGID: 0\nDeviceFileMode: 438\nInitializeSystemMemoryAllocations: 1\n"
         "UsePageAttributeTable: 4294967295\nEnableMSI: 1\nEnablePCIeGen3: 0\nMemoryPoolSize: 0\n"
         "KMallocHeapMaxSize: 0\nVMallocHeapMaxSize: 0\nIgnoreMMIOCheck: 0\nEnableStreamMemOPs: 0\n"
         "EnableUserNUMAManagement: 1\nNvLinkDisable: 0\nRmProfilingAdminOnly: 1\n"
         "PreserveVideoMemoryAllocations: 0\nEnableS0ixPowerManagement: 0\n"
         "S0ixPowerManagementVideoMemoryThreshold: 256\nDynamicPowerManagement: 3\n"
         "DynamicPowerManagementVideoMemoryThreshold: 200\nRegisterPCIDriver: 1\n"
         "EnablePCIERelaxedOrderingMode: 0\nEnableResizableBar: 0\nEnableGpuFirmware: 18\n"
         "EnableGpuFirmwareLogs: 2\nRmNvlinkBandwidthLinkCount: 0\nEnableDbgBreakpoint: 0\n"
         "OpenRmEnableUnsupportedGpus: 0\nDmaRemapPeerMmio: 1\nImexChannelCount: 2048\nCreateImexChannel0: 0\n"
         "GrdmaPciTopoCheckOverride: 0\nRegistryDwords: \"\"\nRegistryDwordsPerDevice: \"\"\nRmMsg: \"\"\n"
         "GpuBlacklist: \"\"\nTemporaryFilePath: \"\"\nExcludedGpus: \"\"\n";
}

// No registry keys set: the real file then holds only the empty binary blob line.
std::string proc_registry() { return "Binary: \"\"\n"; }

std::string proc_gpu_information(const NodeFacts& node, const Gpu& gpu) {
  return "Model: \t\t " + gpu.model.name + "\nIRQ:   \t\t " + std::to_string(41 + gpu.index) +
         "\nGPU UUID: \t " + gpu.uuid + "\nVideo BIOS: \t " + gpu.model.vbios +
         "\nBus Type: \t PCIe\nDMA Size: \t 47 bits\nDMA Mask: \t 0x7fffffffffff\nBus Location: \t " +
         gpu.proc_bus_id() + "\nDevice Minor: \t " + std::to_string(gpu.minor) + "\nGPU Firmware: \t " +
         node.driver_version + "\nGPU Excluded:\t No\n";
}

std::string proc_devices(const NodeFacts& node) {
  auto devices = standard_char_devices();
  devices.emplace(195, "nvidia");
  devices.emplace(195, "nvidiactl");
  devices.emplace(node.uvm_major, "nvidia-uvm");
  devices.emplace(node.caps_major, "nvidia-caps");
  add_device(devices, node.nvidia_fs_major, "nvidia-fs");
  add_device(devices, node.nvswitch_major, "nvidia-nvswitch");
  add_device(devices, node.gdrdrv_major, "gdrdrv");
  add_device(devices, node.uverbs_major, "infiniband_verbs");
  if (node.features.dri) devices.emplace(226, "drm");
  std::string text = "Character devices:\n";
  char line[64];
  for (const auto& [major, name] : devices) {
    std::snprintf(line, sizeof line, "%3u %s\n", major, name.c_str());
    text += line;
  }
  return text + "\nBlock devices:\n  7 loop\n  8 sd\n  9 md\n253 device-mapper\n259 blkext\n";
}

std::string toml_quote(const std::string& text) {
  std::string out = "\"";
  for (unsigned char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += char(c);
    } else if (c < 0x20 || c == 0x7f) {
      char esc[8];
      std::snprintf(esc, sizeof esc, "\\u%04x", c);
      out += esc;
    } else {
      out += char(c);
    }
  }
  return out + "\"";
}

std::string config_toml(const NodeFacts& node) {
  return "# nvrunc configuration for the simulated GPU node in this directory, written by\n"
         "# `nvrunc-ctl mock-driver`. Use it with:\n"
         "#   export NVRUNC_CONFIG=" + node.root + "/config.toml\n"
         "# nvrunc then reads the driver, /dev and /proc of this node instead of the host's.\n\n"
         "[nvrunc]\n"
         "driver-root = " + toml_quote(node.root) + "\n"
         "dev-root = " + toml_quote(node.root) + "\n"
         "proc-root = " + toml_quote(node.root + "/proc") + "\n"
         "sys-root = " + toml_quote(node.root + "/sys") + "\n"
         "# this node's inventory snapshot (a host's is in /run/nvrunc)\n"
         "cache-dir = " + toml_quote(node.root + "/nvrunc-cache") + "\n";
}

Result<std::vector<unsigned>> pick_free_majors(const std::string& proc_devices_text, size_t count) {
  auto free = free_majors(used_majors(proc_devices_text), count);
  if (free.size() < count)
    return fail(Errc::unsupported, "pick device majors: fewer than " + std::to_string(count) +
                                       " free character majors in 384-511 and 234-254");
  return free;
}

Result<unsigned> pick_misc_minor(const std::string& proc_misc_text) {
  std::set<unsigned> used;
  for (auto line : split(proc_misc_text, '\n')) {
    auto fields = split_trimmed(line, ' ');
    if (!fields.empty() && is_digits(fields[0]) && fields[0].size() < 6) used.insert(unsigned(std::stoul(fields[0])));
  }
  if (!used.count(58)) return 58u;
  for (unsigned m = 63; m >= 1; --m)
    if (!used.count(m)) return m;
  return fail(Errc::unsupported, "pick a misc minor for rdma_cm: 1-63 are all taken");
}

Result<void> assign_numbers(NodeFacts& node, const std::string& proc_devices_text, const std::string& proc_misc_text) {
  const auto& f = node.features;
  auto used = used_majors(proc_devices_text);
  const bool own_uverbs = f.mofed && used.count(231) != 0; // a host with InfiniBand: use a free major
  const size_t count = 2 + f.gds + f.nvswitch + f.gdrcopy + own_uverbs;
  auto free = free_majors(used, count);
  if (free.size() < count)
    return fail(Errc::unsupported, "pick device majors: fewer than " + std::to_string(count) +
                                       " free character majors in 384-511 and 234-254");
  size_t next = 0;
  node.uvm_major = free[next++];
  node.caps_major = free[next++];
  node.nvidia_fs_major = f.gds ? free[next++] : 0;
  node.nvswitch_major = f.nvswitch ? free[next++] : 0;
  node.gdrdrv_major = f.gdrcopy ? free[next++] : 0;
  node.uverbs_major = !f.mofed ? 0 : own_uverbs ? free[next++] : 231;
  node.rdma_cm_minor = 0;
  if (f.mofed) {
    NVRUNC_TRY(minor, pick_misc_minor(proc_misc_text));
    node.rdma_cm_minor = minor;
  }
  return {};
}

} // namespace nvrunc::mock
