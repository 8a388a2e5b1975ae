// nvrunc-ctl info: what discovery finds on this node (or on the node the config points at).
#include <cstdio>

#include "commands.hpp"
#include "nvrunc/config/config.hpp"
#include "nvrunc/discover/nvml.hpp"
#include "report.hpp"

namespace nvrunc::ctl {

namespace {

struct InfoOptions {
  bool json = false;
  std::string output;
};

int run_info(const InfoOptions& o) {
  auto config = config::load();
  if (!config) {
    std::fprintf(stderr, "nvrunc-ctl: info: %s\n", config.error().what().c_str());
    return 1;
  }
  discover::HostFs fs(runtime::host_roots(*config));
  auto inv = discover::discover(fs, runtime::discover_options(*config));
  if (!inv) {
    std::fprintf(stderr, "nvrunc-ctl: info: %s\n", inv.error().what().c_str());
    return 1;
  }
  // The operator's tool may load NVML (for the CUDA version and MIG UUIDs); the runtime does so
  // only when a request needs it.
  std::string problem;
  auto nvml = runtime::load_nvml(*inv, discover::query_nvml, &problem);
  if (!problem.empty()) inv->warnings.push_back("NVML: " + problem);
  const auto* n = nvml ? &*nvml : nullptr;
  const std::string text = o.json ? inventory_json(*inv, n, *config).dump(2) + "\n" : inventory_text(*inv, n, *config);
  return emit(text, o.output, "info");
}

} // namespace

void register_info(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<InfoOptions>();
  auto* cmd = app.add_subcommand("info", "Show what nvrunc discovers on this node: driver, GPUs, device nodes, "
                                         "libraries and binaries per capability (read-only)");
  cmd->add_flag("--json", options->json, "Print JSON instead of text");
  cmd->add_option("-o,--output", options->output, "Write to this file instead of stdout");
  cmd->footer("The node is the one the nvrunc configuration points at: set NVRUNC_CONFIG to inspect a simulated node.");
  cmd->callback([options, &exit_code] { exit_code = run_info(*options); });
}

} // namespace nvrunc::ctl
