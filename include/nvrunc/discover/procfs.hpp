// Parsers for the NVIDIA driver's procfs files (reference libnvidia-container.md §4.4, §9). Pure.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace nvrunc::discover {

// From /proc/driver/nvidia/version, whose first line is e.g.
//   "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024"
//   "NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  (...)"
// the first token after "Kernel Module" made of digits and dots.
std::optional<std::string> parse_driver_version(std::string_view version_file);

// /proc/driver/nvidia/gpus/<bus>/information: "Key: \t value" lines.
struct GpuInformation {
  std::string model;
  std::string uuid;
  std::string bus_location;
  std::optional<unsigned> minor;
};
GpuInformation parse_gpu_information(std::string_view text);

// The major number of a character device driver in /proc/devices ("nvidia-uvm").
std::optional<unsigned> find_char_major(std::string_view proc_devices, std::string_view name);

// Normalises a PCI bus id to NVML's "%08x:%02x:%02x.%x" (lowercase, 8-digit domain), so that
// "0000:3B:00.0", "3b:00.0" and "00000000:3b:00.0" compare equal. nullopt if it is not a bus id.
std::optional<std::string> normalize_bus_id(std::string_view id);

} // namespace nvrunc::discover
