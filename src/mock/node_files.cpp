// Text files of a simulated node. Formats copy the real driver's (550/580 series, read on real hosts):
// field names, tabs and spacing matter to parsers such as libnvidia-container's.
#include "nvrunc/mock/node_files.hpp"

#include <cstdio>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

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
         " power=" + std::to_string(m.power_watts) + " mig=" + (m.mig_capable ? "1" : "0") + " name=" + m.name + "\n";
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
  for (const auto& gpu : node.gpus) text += description_gpu_line(gpu);
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
         "proc-root = " + toml_quote(node.root + "/proc") + "\n";
}

std::string node_json(const NodeFacts& node) {
  nlohmann::ordered_json doc;
  doc["generator"] = "nvrunc-ctl mock-driver";
  doc["format"] = 1;
  doc["root"] = node.root;
  doc["driver_version"] = node.driver_version;
  doc["cuda_version"] = format_cuda_version(node.cuda_version);
  doc["cuda_driver_version"] = node.cuda_version;
  doc["uvm_major"] = node.uvm_major;
  doc["caps_major"] = node.caps_major;
  doc["gpus"] = nlohmann::ordered_json::array();
  for (const auto& gpu : node.gpus) {
    doc["gpus"].push_back({{"index", gpu.index}, {"minor", gpu.minor}, {"uuid", gpu.uuid},
                           {"bus_id", gpu.bus_id()}, {"name", gpu.model.name}});
  }
  return doc.dump(2) + "\n";
}

Result<std::pair<unsigned, unsigned>> pick_free_majors(const std::string& proc_devices_text) {
  std::set<unsigned> used;
  for (auto line : split(proc_devices_text, '\n')) {
    auto fields = split_trimmed(line, ' ');
    if (fields.empty() || fields[0] == "Block") break; // only the character section counts
    if (is_digits(fields[0])) used.insert(unsigned(std::stoul(fields[0])));
  }
  std::vector<unsigned> free;
  for (unsigned m = 511; m >= 384 && free.size() < 2; --m)
    if (!used.count(m)) free.push_back(m);
  for (unsigned m = 254; m >= 234 && free.size() < 2; --m)
    if (!used.count(m)) free.push_back(m);
  if (free.size() < 2)
    return fail(Errc::unsupported, "pick device majors: no two free character majors in 384-511 or 234-254");
  return std::make_pair(free[0], free[1]);
}

} // namespace nvrunc::mock
