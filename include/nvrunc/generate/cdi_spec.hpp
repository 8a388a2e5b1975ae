// `nvrunc-ctl cdi generate`: the node's GPUs as a CDI spec, built from the same plan the shim uses
// (one model, two outputs). Pure: the inventory (and NVML facts, for MIG names) in, a Spec out.
//
// - One CDI device per GPU and per MIG device (named by the chosen strategies: index "0" and
//   "1:0", uuid "GPU-…"/"MIG-…", type-index "gpu0"/"mig1:0"), plus "all". A device holds only its
//   own nodes (GPU node, DRM nodes for graphics/display, MIG capability nodes).
// - The spec's common containerEdits hold what every device shares: control nodes, the driver
//   libraries and binaries of the chosen capabilities, IPC, firmware, graphics files and the
//   nvrunc-hook createContainer hook (with an explicit env).
// - Libraries go to their host directory inside the container (an image-independent choice; the
//   hook configures the ld cache for that directory).
// - Annotations record the driver version, the capabilities and the generator, so a consumer can
//   tell a stale spec; cdiVersion is the lowest the content needs. Deterministic: same node, same
//   options ⇒ same spec.
#pragma once

#include <string>
#include <vector>

#include "nvrunc/cdi/spec.hpp"
#include "nvrunc/common/capability.hpp"
#include "nvrunc/common/error.hpp"
#include "nvrunc/discover/inventory.hpp"
#include "nvrunc/discover/nvml.hpp"
#include "nvrunc/plan/plan.hpp"

namespace nvrunc::generate {

enum class NameStrategy { index, uuid, type_index };

struct CdiOptions {
  std::string vendor = "nvidia.com";
  std::string device_class = "gpu";
  std::vector<NameStrategy> strategies{NameStrategy::index, NameStrategy::uuid};
  Capabilities capabilities = Capabilities::all();
  plan::Options plan_options; // hook path, ldconfig, dev root
  bool all_device = true;
  // The nvrunc.io/ annotations (driver version, capabilities, strategies) need cdiVersion 0.6.0;
  // without them the spec is 0.5.0, which older CDI consumers (podman 4.3) read. Staleness is then
  // seen only from missing files (library names carry the driver version).
  bool annotations = true;
};

// Annotation keys written into generated specs.
inline constexpr const char* driver_version_annotation = "nvrunc.io/driver-version";
inline constexpr const char* capabilities_annotation = "nvrunc.io/capabilities";
inline constexpr const char* generator_annotation = "nvrunc.io/generator";
inline constexpr const char* name_strategies_annotation = "nvrunc.io/device-name-strategies";

Result<NameStrategy> parse_name_strategy(std::string_view text);
std::string to_string(NameStrategy strategy);

// The options a spec made by cdi_spec() was made with (kind, strategies, capabilities, the `all`
// device), from its annotations, for regenerating it; `plan_options` as given. Fails
// (Errc::invalid_argument) for a spec that nvrunc did not make.
Result<CdiOptions> options_of(const cdi::Spec& spec, const plan::Options& plan_options);

// Fails (Errc::driver_missing) without a loaded driver; MIG devices need `nvml` (without it they
// are left out and reported in `skipped`).
Result<cdi::Spec> cdi_spec(const discover::Inventory& inventory, const discover::NvmlFacts* nvml,
                           const CdiOptions& options, std::vector<std::string>* skipped = nullptr);

} // namespace nvrunc::generate
