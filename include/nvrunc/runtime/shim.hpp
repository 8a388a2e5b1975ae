// The runc-compatible shim (DESIGN.md §1): parse argv once; for create/run, edit the bundle's
// config.json; then execve the low-level runtime with the original argv (argv[0] replaced).
//
// Contracts (DESIGN.md §3): nothing on stdout (except the extra version line of --version) and
// nothing at all on success; same pid (execve, never fork); never exec itself; commands other than
// create/run pass through without reading the bundle, and a broken config file does not stop them;
// any failure is one line on stderr and the last "error" line of runc's --log, exit 1, config.json
// untouched, runc not started.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nvrunc/config/config.hpp"
#include "nvrunc/discover/inventory.hpp"
#include "nvrunc/edits/apply.hpp"
#include "nvrunc/plan/plan.hpp"
#include "nvrunc/request/request.hpp"
#include "nvrunc/runtime/nvml.hpp"
#include "nvrunc/spec/document.hpp"

namespace nvrunc::runtime {

// Everything `create` decides for a bundle, computed without writing anything (shared with
// `nvrunc-ctl explain`). document.json with `appended` is the spec after the edits: no copy of the
// engine's spec is kept (document.original has its bytes), and the entries the edits append are
// kept as the edits (edits::Deferred; print them with spec::save(document, &appended)).
struct BundlePlan {
  spec::Document document;
  request::Request request;
  std::optional<discover::Inventory> inventory; // absent when nothing was requested
  std::optional<discover::NvmlFacts> nvml;      // present only when the request needed NVML
  plan::Target target;
  plan::Plan plan;
  std::vector<std::string> cdi_spec_files; // a CDI request: the spec files its devices came from
  std::string snapshot; // how the inventory snapshot was used ("hit /run/nvrunc/inventory-….bin", ...)
  edits::Deferred appended; // the entries the edits append to document.json's arrays
  bool changed = false;     // whether the edits changed the spec (document.json, edited in place, or appended)

  bool changes_spec() const { return changed; }
};

Result<BundlePlan> plan_bundle(const std::string& bundle, const config::Config& config);

// Where the image wants libraries (Debian-like or not, a 32-bit directory, CUDA forward
// compatibility), read inside its rootfs.
Result<plan::Target> inspect_rootfs(const spec::Json& spec, const std::string& bundle, const std::string& driver_version);

// Where discovery reads the host from, and how, for a configuration.
discover::HostRoots host_roots(const config::Config& config);
discover::DiscoverOptions discover_options(const config::Config& config);

// nvrunc-hook: the configured path, else next to the running binary, else /usr/bin/nvrunc-hook.
std::string hook_path(const config::Config& config);

// nvrunc-ctl, likewise: [nvrunc] ctl-path, else next to the running binary, else /usr/bin/nvrunc-ctl.
std::string ctl_path(const config::Config& config);

// The low-level runtime: the first of `candidates` that is an executable file and not nvrunc
// itself; bare names are searched in $PATH, then in the usual system directories.
Result<std::string> find_low_level_runtime(const std::vector<std::string>& candidates);

// The process entry point: returns an exit code only when it does not exec.
int run(int argc, char** argv);

} // namespace nvrunc::runtime
