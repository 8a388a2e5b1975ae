#include "nvrunc/generate/cdi_spec.hpp"

#include <algorithm>

#include "nvrunc/cdi/convert.hpp"
#include "nvrunc/cdi/names.hpp"
#include "nvrunc/common/strings.hpp"
#include "nvrunc/cdi/version.hpp"

namespace nvrunc::generate {

namespace {

using discover::Inventory;

// One device of the spec: its names (one per strategy) and the request that selects it.
struct Candidate {
  std::vector<std::string> names;
  std::string id; // as NVIDIA_VISIBLE_DEVICES would name it
};

std::string name_for(NameStrategy s, bool mig, const std::string& index, const std::string& uuid) {
  switch (s) {
  case NameStrategy::index: return index;
  case NameStrategy::uuid: return uuid;
  case NameStrategy::type_index: return (mig ? "mig" : "gpu") + index;
  }
  return index;
}

std::vector<Candidate> candidates(const Inventory& inv, const discover::NvmlFacts* nvml, const CdiOptions& o,
                                  std::vector<std::string>& skipped) {
  std::vector<Candidate> out;
  auto names = [&](bool mig, const std::string& index, const std::string& uuid) {
    std::vector<std::string> n;
    for (auto s : o.strategies) n.push_back(name_for(s, mig, index, uuid));
    return n;
  };
  for (const auto& g : inv.gpus) {
    out.push_back({names(false, std::to_string(g.index), g.uuid), std::to_string(g.index)});
    if (g.mig.empty()) continue;
    const discover::NvmlGpu* n = nullptr;
    if (nvml)
      for (const auto& x : nvml->gpus)
        if (x.bus_id == g.bus_id) n = &x;
    if (!n) {
      skipped.push_back("MIG devices of GPU " + std::to_string(g.index) + ": their names need NVML");
      continue;
    }
    for (const auto& m : n->mig) {
      const std::string index = std::to_string(g.index) + ":" + std::to_string(m.index);
      out.push_back({names(true, index, m.uuid), index});
    }
  }
  return out;
}

request::Request request_for(request::Devices devices, std::string id, Capabilities caps) {
  request::Request r;
  r.devices = devices;
  if (!id.empty()) r.ids = {std::move(id)};
  r.capabilities = caps;
  r.source = "nvrunc-ctl cdi generate";
  return r;
}

plan::Target image_independent_target(const Inventory& inv) {
  plan::Target t;
  auto dir_of = [](const std::string& p) { return p.substr(0, p.rfind('/')); };
  t.library_dir = inv.libraries.empty() ? plan::library_dir_for(true) : dir_of(inv.libraries.front().path);
  if (!inv.libraries32.empty()) t.library_dir32 = dir_of(inv.libraries32.front().path);
  return t;
}

// The nodes of `device` that `common` does not already have.
cdi::ContainerEdits device_only(const edits::ContainerEdits& device, const edits::ContainerEdits& common) {
  edits::ContainerEdits own;
  for (const auto& n : device.device_nodes)
    if (std::none_of(common.device_nodes.begin(), common.device_nodes.end(),
                     [&](const edits::DeviceNode& c) { return c.path == n.path; }))
      own.device_nodes.push_back(n);
  return cdi::from_edits(own);
}

void add_all_device(cdi::Spec& spec) {
  cdi::Device all{"all", {}, {}};
  for (const auto& d : spec.devices)
    for (const auto& n : d.edits.device_nodes)
      if (std::none_of(all.edits.device_nodes.begin(), all.edits.device_nodes.end(),
                       [&](const cdi::DeviceNode& x) { return x.path == n.path; }))
        all.edits.device_nodes.push_back(n);
  if (!all.edits.empty()) spec.devices.push_back(std::move(all));
}

} // namespace

Result<NameStrategy> parse_name_strategy(std::string_view text) {
  if (text == "index") return NameStrategy::index;
  if (text == "uuid") return NameStrategy::uuid;
  if (text == "type-index") return NameStrategy::type_index;
  return fail(Errc::invalid_argument,
              "unknown device name strategy `" + std::string(text) + "` (index, uuid or type-index)");
}

std::string to_string(NameStrategy strategy) {
  switch (strategy) {
  case NameStrategy::index: return "index";
  case NameStrategy::uuid: return "uuid";
  case NameStrategy::type_index: return "type-index";
  }
  return "index";
}

Result<CdiOptions> options_of(const cdi::Spec& spec, const plan::Options& plan_options) {
  const auto caps = cdi::annotation(spec.annotations, capabilities_annotation);
  const auto strategies = cdi::annotation(spec.annotations, name_strategies_annotation);
  if (!cdi::annotation(spec.annotations, generator_annotation) || !caps || !strategies)
    return fail(Errc::invalid_argument, "not a spec made by nvrunc-ctl cdi generate (no " +
                                            std::string(name_strategies_annotation) + " annotation)");
  CdiOptions o;
  NVRUNC_TRY(kind, cdi::parse_kind(spec.kind));
  o.vendor = kind.vendor;
  o.device_class = kind.cls;
  NVRUNC_TRY(capabilities, Capabilities::parse(*caps));
  o.capabilities = capabilities;
  o.strategies.clear();
  for (const auto& s : split_trimmed(*strategies, ',')) {
    NVRUNC_TRY(st, parse_name_strategy(s));
    o.strategies.push_back(st);
  }
  o.all_device = std::any_of(spec.devices.begin(), spec.devices.end(), [](const cdi::Device& d) { return d.name == "all"; });
  o.plan_options = plan_options;
  return o;
}

Result<cdi::Spec> cdi_spec(const Inventory& inv, const discover::NvmlFacts* nvml, const CdiOptions& o,
                           std::vector<std::string>* skipped) {
  if (!inv.driver_loaded()) return fail(Errc::driver_missing, "generate CDI spec: no NVIDIA driver is loaded");
  std::vector<std::string> skip;
  const auto target = image_independent_target(inv);
  NVRUNC_TRY(common, plan::make_plan(request_for(request::Devices::driver_only, "", o.capabilities), inv, target,
                                     o.plan_options, nvml));
  cdi::Spec spec;
  spec.kind = o.vendor + "/" + o.device_class;
  spec.annotations = {{generator_annotation, std::string("nvrunc-ctl ") + NVRUNC_VERSION},
                      {driver_version_annotation, inv.driver_version},
                      {capabilities_annotation, o.capabilities.to_string()}};
  std::string strategies;
  for (auto st : o.strategies) strategies += (strategies.empty() ? "" : ",") + to_string(st);
  spec.annotations.emplace_back(name_strategies_annotation, strategies);
  if (!o.annotations) spec.annotations.clear();
  spec.edits = cdi::from_edits(common.edits);
  for (const auto& c : candidates(inv, nvml, o, skip)) {
    NVRUNC_TRY(p, plan::make_plan(request_for(request::Devices::list, c.id, o.capabilities), inv, target,
                                  o.plan_options, nvml));
    const auto own = device_only(p.edits, common.edits);
    for (const auto& name : c.names)
      if (std::none_of(spec.devices.begin(), spec.devices.end(), [&](const cdi::Device& d) { return d.name == name; }))
        spec.devices.push_back({name, {}, own});
  }
  if (o.all_device) add_all_device(spec);
  spec.cdi_version = cdi::minimum_version(spec);
  if (skipped) *skipped = std::move(skip);
  return spec;
}

} // namespace nvrunc::generate
