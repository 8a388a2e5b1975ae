// Which GPUs and MIG devices a request names.
#include <algorithm>
#include <variant>

#include "nvrunc/common/strings.hpp"
#include "nvrunc/discover/procfs.hpp"
#include "nvrunc/plan/plan.hpp"

namespace nvrunc::plan {

namespace {

using discover::Gpu;
using discover::Inventory;

std::string describe_gpus(const Inventory& inv) {
  if (inv.gpus.empty()) return "this node has no GPU";
  std::string s = "this node has " + std::to_string(inv.gpus.size()) + " GPU" + (inv.gpus.size() > 1 ? "s" : "") + ":";
  for (const auto& g : inv.gpus) s += " " + std::to_string(g.index) + "=" + g.uuid;
  return s;
}

tl::unexpected<Error> unknown(std::string_view id, const Inventory& inv, std::string_view what = "GPU") {
  return fail(Errc::unknown_device, "unknown " + std::string(what) + " `" + printable(id) + "` (" + describe_gpus(inv) + ")");
}

std::optional<unsigned> number(std::string_view s) {
  if (!is_digits(s) || s.size() > 6) return std::nullopt;
  return static_cast<unsigned>(std::stoul(std::string(s)));
}

const Gpu* by_bus(const Inventory& inv, const std::string& bus) {
  for (const auto& g : inv.gpus)
    if (g.bus_id == bus) return &g;
  return nullptr;
}

Result<MigSelection> mig_by_ids(const Gpu& gpu, unsigned gi, unsigned ci, std::string id, const Inventory& inv) {
  for (const auto& m : gpu.mig)
    if (m.gi == gi && m.ci == ci) return MigSelection{&gpu, &m, std::move(id)};
  return unknown(id, inv, "MIG device");
}

Result<MigSelection> mig_by_uuid(std::string_view id, const Inventory& inv, const discover::NvmlFacts* nvml) {
  if (!nvml) return unknown(id, inv, "MIG device");
  for (const auto& g : nvml->gpus)
    for (const auto& m : g.mig)
      if (iequals(m.uuid, id))
        if (const Gpu* gpu = by_bus(inv, g.bus_id)) return mig_by_ids(*gpu, m.gi, m.ci, std::string(id), inv);
  return unknown(id, inv, "MIG device");
}

// "<gpu>:<mig>": the MIG device with NVML index <mig> on GPU <gpu>.
Result<MigSelection> mig_by_pair(std::string_view id, unsigned g, unsigned m, const Inventory& inv,
                                 const discover::NvmlFacts* nvml) {
  if (!nvml || g >= inv.gpus.size()) return unknown(id, inv, "MIG device");
  const Gpu& gpu = inv.gpus[g];
  for (const auto& n : nvml->gpus)
    if (n.bus_id == gpu.bus_id && m < n.mig.size()) return mig_by_ids(gpu, n.mig[m].gi, n.mig[m].ci, std::string(id), inv);
  return unknown(id, inv, "MIG device");
}

// "MIG-GPU-<uuid>/<gi>/<ci>" (drivers before 470): procfs alone answers it.
Result<MigSelection> mig_by_path(std::string_view id, const Inventory& inv) {
  auto parts = split(id.substr(4), '/');
  auto gi = parts.size() == 3 ? number(parts[1]) : std::nullopt, ci = parts.size() == 3 ? number(parts[2]) : std::nullopt;
  if (!gi || !ci) return unknown(id, inv, "MIG device");
  for (const auto& g : inv.gpus)
    if (iequals(g.uuid, parts[0])) return mig_by_ids(g, *gi, *ci, std::string(id), inv);
  return unknown(id, inv, "MIG device");
}

using Choice = std::variant<const Gpu*, MigSelection>;

Result<Choice> find(std::string_view id, const Inventory& inv, const discover::NvmlFacts* nvml) {
  if (auto index = number(id)) {
    if (*index < inv.gpus.size()) return Choice(&inv.gpus[*index]);
    return unknown(id, inv);
  }
  if (id.starts_with("GPU-") || id.starts_with("gpu-")) {
    for (const auto& g : inv.gpus)
      if (iequals(g.uuid, id)) return Choice(&g);
    return unknown(id, inv);
  }
  if (id.starts_with("MIG-GPU-")) return mig_by_path(id, inv).map([](auto m) { return Choice(m); });
  if (id.starts_with("MIG-") || id.starts_with("mig-")) return mig_by_uuid(id, inv, nvml).map([](auto m) { return Choice(m); });
  auto colon = split(id, ':');
  if (colon.size() == 2 && number(colon[0]) && number(colon[1]))
    return mig_by_pair(id, *number(colon[0]), *number(colon[1]), inv, nvml).map([](auto m) { return Choice(m); });
  if (auto bus = discover::normalize_bus_id(id))
    if (const Gpu* g = by_bus(inv, *bus)) return Choice(g);
  return unknown(id, inv);
}

void add_gpu(Selection& s, const Gpu* g) {
  if (std::find(s.gpus.begin(), s.gpus.end(), g) == s.gpus.end()) s.gpus.push_back(g);
}

} // namespace

bool needs_nvml(const request::Request& request) {
  if (!request.requirements.empty() && !request.requirements_disabled) return true;
  return std::any_of(request.ids.begin(), request.ids.end(), [](const std::string& id) {
    if (id.starts_with("MIG-GPU-")) return false; // procfs answers it
    if (id.starts_with("MIG-") || id.starts_with("mig-")) return true;
    auto colon = split(id, ':');
    return colon.size() == 2 && is_digits(colon[0]) && is_digits(colon[1]);
  });
}

Result<Selection> select_devices(const request::Request& request, const Inventory& inv, const discover::NvmlFacts* nvml) {
  Selection s;
  if (request.devices == request::Devices::all) {
    for (const auto& g : inv.gpus) {
      s.gpus.push_back(&g);
      for (const auto& m : g.mig) s.mig.push_back({&g, &m, "all"});
    }
    return s;
  }
  if (request.devices != request::Devices::list) return s;
  for (const auto& id : request.ids) {
    NVRUNC_TRY(choice, find(id, inv, nvml));
    if (auto* gpu = std::get_if<const Gpu*>(&choice)) {
      add_gpu(s, *gpu);
      continue;
    }
    auto& mig = std::get<MigSelection>(choice);
    add_gpu(s, mig.gpu); // a MIG device brings its parent GPU's node
    if (std::none_of(s.mig.begin(), s.mig.end(), [&](const MigSelection& x) { return x.instance == mig.instance; }))
      s.mig.push_back(mig);
  }
  std::sort(s.gpus.begin(), s.gpus.end(), [](const Gpu* a, const Gpu* b) { return a->index < b->index; });
  return s;
}

} // namespace nvrunc::plan
