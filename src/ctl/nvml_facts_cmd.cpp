// nvrunc-ctl nvml-facts: internal, run by nvrunc. nvrunc is a static binary and cannot dlopen
// libnvidia-ml (static glibc would need the exact glibc it was linked with), so it runs this
// command, which loads NVML in-process and prints discover::NvmlFacts as JSON (discover/nvml_json).
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "nvrunc/discover/nvml.hpp"
#include "nvrunc/discover/nvml_json.hpp"

namespace nvrunc::ctl {

namespace {

int run_nvml_facts(const std::string& library) {
  auto facts = discover::query_nvml(library);
  if (!facts) {
    std::fprintf(stderr, "nvrunc-ctl: nvml-facts: %s\n", facts.error().what().c_str());
    return 1;
  }
  const std::string text = discover::nvml_facts_to_json(*facts) + "\n";
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0) {
    std::fprintf(stderr, "nvrunc-ctl: nvml-facts: write stdout failed\n");
    return 1;
  }
  return 0;
}

} // namespace

void register_nvml_facts(CLI::App& app, int& exit_code) {
  auto library = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("nvml-facts", "Internal, used by nvrunc (a static binary, which cannot load NVML "
                                               "itself): print what NVML reports (CUDA version, GPUs, MIG devices) "
                                               "as JSON");
  cmd->add_option("--library", *library, "The host path of libnvidia-ml.so.1 to load")->required();
  cmd->footer("Exit status 1, with one line on stderr, when NVML cannot be loaded or initialised.");
  cmd->callback([library, &exit_code] { exit_code = run_nvml_facts(*library); });
}

} // namespace nvrunc::ctl
