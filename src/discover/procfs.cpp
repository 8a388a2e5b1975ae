#include "nvrunc/discover/procfs.hpp"

#include <cstdio>

#include "nvrunc/common/strings.hpp"

namespace nvrunc::discover {

namespace {

bool is_version(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  bool dot = false;
  for (char c : s) {
    if (c == '.') dot = true;
    else if (c < '0' || c > '9') return false;
  }
  return dot;
}

std::optional<unsigned> parse_hex(std::string_view s, size_t max_digits) {
  if (s.empty() || s.size() > max_digits) return std::nullopt;
  unsigned v = 0;
  for (char c : s) {
    int d = (c >= '0' && c <= '9') ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10 : (c >= 'A' && c <= 'F') ? c - 'A' + 10 : -1;
    if (d < 0) return std::nullopt;
    v = v * 16 + static_cast<unsigned>(d);
  }
  return v;
}

} // namespace

std::optional<std::string> parse_driver_version(std::string_view version_file) {
  auto line = version_file.substr(0, version_file.find('\n'));
  auto at = line.find("Kernel Module");
  if (at == std::string_view::npos) return std::nullopt;
  for (auto word : split(line.substr(at), ' '))
    if (is_version(trim(word))) return std::string(trim(word));
  return std::nullopt;
}

GpuInformation parse_gpu_information(std::string_view text) {
  GpuInformation info;
  for (auto line : split(text, '\n')) {
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    auto key = trim(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));
    if (key == "Model") info.model = value;
    else if (key == "GPU UUID") info.uuid = value;
    else if (key == "Bus Location") info.bus_location = value;
    else if (key == "Device Minor" && is_digits(value) && value.size() < 7) info.minor = static_cast<unsigned>(std::stoul(std::string(value)));
  }
  return info;
}

std::optional<unsigned> find_char_major(std::string_view proc_devices, std::string_view name) {
  for (auto line : split(proc_devices, '\n')) {
    line = trim(line);
    if (line.rfind("Block devices", 0) == 0) break;
    auto space = line.find(' ');
    if (space == std::string_view::npos) continue;
    auto number = line.substr(0, space);
    if (trim(line.substr(space + 1)) == name && is_digits(number) && number.size() < 6)
      return static_cast<unsigned>(std::stoul(std::string(number)));
  }
  return std::nullopt;
}

std::optional<std::string> normalize_bus_id(std::string_view id) {
  auto parts = split(id, ':');
  if (parts.size() == 2) parts.insert(parts.begin(), "0");
  if (parts.size() != 3) return std::nullopt;
  auto dot = parts[2].find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto domain = parse_hex(parts[0], 8), bus = parse_hex(parts[1], 2);
  auto device = parse_hex(parts[2].substr(0, dot), 2), function = parse_hex(parts[2].substr(dot + 1), 1);
  if (!domain || !bus || !device || !function) return std::nullopt;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%08x:%02x:%02x.%x", *domain, *bus, *device, *function);
  return std::string(buf);
}

} // namespace nvrunc::discover
