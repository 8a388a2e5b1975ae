// CDI requests in the shim (request::Devices::cdi): the names are resolved against the spec
// directories of the config (later directories win), the specs checked against the host, and
// their edits turned into the shim's edits, which edits::apply writes as it writes a planned
// request's. Any vendor's spec works.
//
// Fails closed, before anything is written:
// - a name no spec defines (Errc::unknown_device), listing the names that are available and the
//   spec files that could not be read;
// - a stale spec (Errc::stale_spec): one made by nvrunc for another driver version than the host's
//   (unless cdi-regenerate-stale-specs, which rewrites it in place with the options it was made
//   with, then resolves again), or any spec whose mount sources or device nodes are gone;
// - a container asking for driver capabilities an nvrunc-made spec was made without;
// - NVIDIA_REQUIRE_* unmet by the driver and the NVIDIA GPUs whose nodes the devices bring.
#pragma once

#include <string>
#include <vector>

#include "nvrunc/cdi/spec.hpp"
#include "nvrunc/config/config.hpp"
#include "nvrunc/discover/inventory.hpp"
#include "nvrunc/edits/edits.hpp"
#include "nvrunc/generate/cdi_spec.hpp"
#include "nvrunc/request/request.hpp"
#include "nvrunc/runtime/nvml.hpp"

namespace nvrunc::runtime {

struct CdiInjection {
  edits::ContainerEdits edits;            // each entry's reason names its device and spec file
  std::vector<std::string> spec_files;    // the spec files used, in order of first use
  std::vector<const discover::Gpu*> gpus; // NVIDIA GPUs whose device nodes are injected
  std::vector<std::string> notes;         // e.g. a spec regenerated
};

// `inventory` is the host as discovered (a node without an NVIDIA driver is fine for other
// vendors' devices).
Result<CdiInjection> inject_cdi(const request::Request& request, const config::Config& config,
                                const discover::Inventory& inventory);

// A spec file of the config's spec directories checked against the host as inject_cdi checks the
// specs it uses (driver version of an nvrunc spec, host files present); a file that cannot be read
// or is in conflict is reported too.
struct SpecCheck {
  std::string path;
  std::string kind;      // "" when the file could not be read
  bool ours = false;     // made by nvrunc-ctl cdi generate (it can regenerate it)
  std::string problem;   // "" = fresh
};
std::vector<SpecCheck> check_spec_dirs(const config::Config& config, const discover::Inventory& inventory);

// This node's spec (discovery, NVML through `nvml` when there are MIG devices, generate::cdi_spec):
// what `nvrunc-ctl cdi generate` writes, and what a stale spec is regenerated with.
Result<cdi::Spec> generate_node_spec(const config::Config& config, const generate::CdiOptions& options,
                                     const NvmlQuery& nvml, std::vector<std::string>* skipped = nullptr);

// The plan options (hook, ldconfig, dev root) a config gives.
plan::Options plan_options(const config::Config& config);

} // namespace nvrunc::runtime
