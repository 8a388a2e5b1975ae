// nvrunc-ctl explain: what `nvrunc create` would do to a bundle, without changing anything.
#include <cstdio>

#include "commands.hpp"
#include "nvrunc/config/config.hpp"
#include "report.hpp"

namespace nvrunc::ctl {

namespace {

struct ExplainOptions {
  std::string bundle = ".";
  bool json = false;
  std::string output;
};

int run_explain(const ExplainOptions& o) {
  auto config = config::load();
  if (!config) {
    std::fprintf(stderr, "nvrunc-ctl: explain: %s\n", config.error().what().c_str());
    return 1;
  }
  auto plan = runtime::plan_bundle(o.bundle, *config);
  if (!plan) {
    if (o.json) {
      OrderedJson j = {{"error", "create: " + plan.error().what()}, {"code", errc_name(plan.error().code())}};
      (void)emit(j.dump(2) + "\n", o.output, "explain");
    }
    std::fprintf(stderr, "nvrunc-ctl: explain: `nvrunc create` would fail: create: %s\n", plan.error().what().c_str());
    return 1;
  }
  const std::string text = o.json ? plan_json(*plan).dump(2) + "\n" : plan_text(*plan);
  return emit(text, o.output, "explain");
}

} // namespace

void register_explain(CLI::App& app, int& exit_code) {
  auto options = std::make_shared<ExplainOptions>();
  auto* cmd = app.add_subcommand("explain", "Show what `nvrunc create` would do to a bundle (the request it reads, "
                                            "every device, mount and hook with its reason), changing nothing");
  cmd->add_option("-b,--bundle", options->bundle, "The OCI bundle directory (default: the working directory)");
  cmd->add_flag("--json", options->json, "Print JSON instead of text");
  cmd->add_option("-o,--output", options->output, "Write to this file instead of stdout");
  cmd->footer("Exit status 1 when `nvrunc create` would refuse the bundle; the reason is printed.");
  cmd->callback([options, &exit_code] { exit_code = run_explain(*options); });
}

} // namespace nvrunc::ctl
