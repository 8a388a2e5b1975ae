#include <algorithm>

#include "nvrunc/common/strings.hpp"
#include "nvrunc/discover/procfs.hpp"
#include "nvrunc/plan/plan.hpp"

namespace nvrunc::plan {

namespace {

using discover::Gpu;

// Ids in error messages come from the image: print them escaped and bounded.
std::string printable(std::string_view id) {
  std::string out;
  for (unsigned char c : id.substr(0, 64)) {
    if (c >= 0x20 && c < 0x7f) out += static_cast<char>(c);
    else out += '?';
  }
  if (id.size() > 64) out += "...";
  return out;
}

std::string describe_gpus(const discover::Inventory& inv) {
  if (inv.gpus.empty()) return "this node has no GPU";
  std::string s = "this node has " + std::to_string(inv.gpus.size()) + " GPU" + (inv.gpus.size() > 1 ? "s" : "") + ":";
  for (const auto& g : inv.gpus) s += " " + std::to_string(g.index) + "=" + g.uuid;
  return s;
}

Result<const Gpu*> find_gpu(std::string_view id, const discover::Inventory& inv) {
  if (is_digits(id)) {
    if (id.size() < 6) {
      unsigned index = static_cast<unsigned>(std::stoul(std::string(id)));
      if (index < inv.gpus.size()) return &inv.gpus[index];
    }
  } else if (id.starts_with("GPU-") || id.starts_with("gpu-")) {
    for (const auto& g : inv.gpus)
      if (iequals(g.uuid, id)) return &g;
  } else if (id.starts_with("MIG-") || id.find(':') != std::string_view::npos) {
    if (auto bus = discover::normalize_bus_id(id)) {
      for (const auto& g : inv.gpus)
        if (g.bus_id == *bus) return &g;
    } else {
      return fail(Errc::unsupported, "MIG device `" + printable(id) + "`: MIG devices are not supported yet");
    }
  }
  if (id.find('=') != std::string_view::npos && id.find('/') != std::string_view::npos)
    return fail(Errc::unsupported, "CDI device `" + printable(id) + "`: CDI device names are not supported yet");
  return fail(Errc::unknown_device, "unknown GPU `" + printable(id) + "` (" + describe_gpus(inv) + ")");
}

} // namespace

Result<std::vector<const Gpu*>> select_gpus(const request::Request& request, const discover::Inventory& inventory) {
  std::vector<const Gpu*> out;
  if (request.devices == request::Devices::all) {
    for (const auto& g : inventory.gpus) out.push_back(&g);
    return out;
  }
  if (request.devices != request::Devices::list) return out;
  for (const auto& id : request.ids) {
    NVRUNC_TRY(gpu, find_gpu(id, inventory));
    if (std::find(out.begin(), out.end(), gpu) == out.end()) out.push_back(gpu);
  }
  std::sort(out.begin(), out.end(), [](const Gpu* a, const Gpu* b) { return a->index < b->index; });
  return out;
}

} // namespace nvrunc::plan
