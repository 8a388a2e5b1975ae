// nvrunc-ctl cdi generate | list | validate: the Container Device Interface, both ways.
#include <cstdio>
#include <memory>

#include "commands.hpp"
#include "nvrunc/cdi/read.hpp"
#include "nvrunc/cdi/registry.hpp"
#include "nvrunc/cdi/validate.hpp"
#include "nvrunc/cdi/write.hpp"
#include "nvrunc/discover/nvml.hpp"
#include "nvrunc/generate/cdi_spec.hpp"
#include "nvrunc/os/file.hpp"
#include "nvrunc/runtime/cdi.hpp"
#include "nvrunc/runtime/shim.hpp"
#include "report.hpp"

namespace nvrunc::ctl {

namespace {

struct GenerateOptions {
  std::string output, format, vendor = "nvidia.com", device_class = "gpu", capabilities = "all", hook_path;
  std::vector<std::string> strategies;
  bool no_all = false, no_annotations = false;
};

int error(const char* command, const Error& e) {
  std::fprintf(stderr, "nvrunc-ctl: cdi %s: %s\n", command, e.what().c_str());
  return 1;
}

Result<generate::CdiOptions> cdi_options(const GenerateOptions& o, const config::Config& config) {
  generate::CdiOptions c;
  c.vendor = o.vendor;
  c.device_class = o.device_class;
  if (!o.strategies.empty()) c.strategies.clear();
  for (const auto& s : o.strategies) {
    NVRUNC_TRY(strategy, generate::parse_name_strategy(s));
    c.strategies.push_back(strategy);
  }
  NVRUNC_TRY(caps, Capabilities::parse(o.capabilities));
  c.capabilities = caps;
  c.plan_options = runtime::plan_options(config);
  if (!o.hook_path.empty()) c.plan_options.hook_path = o.hook_path;
  c.all_device = !o.no_all;
  c.annotations = !o.no_annotations;
  return c;
}

Result<cdi::Format> output_format(const GenerateOptions& o) {
  if (o.format == "json") return cdi::Format::json;
  if (o.format == "yaml") return cdi::Format::yaml;
  if (!o.format.empty()) return fail(Errc::invalid_argument, "unknown --format `" + o.format + "` (json or yaml)");
  return o.output.ends_with(".json") ? cdi::Format::json : cdi::Format::yaml;
}

int run_generate(const GenerateOptions& o) {
  auto config = config::load();
  if (!config) return error("generate", config.error());
  auto options = cdi_options(o, *config);
  auto format = output_format(o);
  if (!options) return error("generate", options.error());
  if (!format) return error("generate", format.error());
  std::vector<std::string> skipped;
  auto spec = runtime::generate_node_spec(*config, *options, discover::query_nvml, &skipped);
  if (!spec) return error("generate", spec.error());
  for (const auto& s : skipped) std::fprintf(stderr, "nvrunc-ctl: cdi generate: skipped %s\n", s.c_str());
  if (o.output.empty()) {
    if (auto valid = cdi::check_spec(*spec, "generated spec"); !valid) return error("generate", valid.error());
    return emit(cdi::to_text(*spec, *format), "", "cdi generate");
  }
  if (auto written = cdi::write_spec_file(o.output, *spec, *format); !written) return error("generate", written.error());
  std::fprintf(stderr, "nvrunc-ctl: wrote %s: %zu devices of kind %s, cdiVersion %s\n", o.output.c_str(),
               spec->devices.size(), spec->kind.c_str(), spec->cdi_version.c_str());
  return 0;
}

int run_list(const std::vector<std::string>& dirs_option) {
  auto config = config::load();
  if (!config) return error("list", config.error());
  const auto dirs = dirs_option.empty() ? config->cdi_spec_dirs : dirs_option;
  auto registry = cdi::load_registry(dirs);
  if (!registry) return error("list", registry.error());
  for (const auto& name : registry->list()) std::printf("%s\n", name.c_str());
  for (const auto& e : registry->errors()) std::fprintf(stderr, "nvrunc-ctl: cdi list: %s: %s\n", e.path.c_str(), e.error.what().c_str());
  return registry->errors().empty() ? 0 : 1;
}

int run_validate(const std::vector<std::string>& files) {
  int bad = 0;
  for (const auto& file : files) {
    auto text = os::read_file(file, 16u << 20);
    auto spec = text ? cdi::parse_spec(*text, file) : Result<cdi::Spec>(fail(std::move(text.error())));
    if (!spec) {
      std::fprintf(stderr, "%s: %s\n", file.c_str(), spec.error().what().c_str());
      ++bad;
      continue;
    }
    const auto problems = cdi::validate(*spec);
    for (const auto& p : problems) std::fprintf(stderr, "%s: %s: %s\n", file.c_str(), p.location.c_str(), p.message.c_str());
    if (problems.empty()) std::printf("%s: valid (%s, cdiVersion %s, %zu devices)\n", file.c_str(), spec->kind.c_str(),
                                      spec->cdi_version.c_str(), spec->devices.size());
    bad += !problems.empty();
  }
  return bad ? 1 : 0;
}

void add_generate(CLI::App& cdi, int& exit_code) {
  auto o = std::make_shared<GenerateOptions>();
  auto* g = cdi.add_subcommand("generate", "Write a CDI spec for this node's GPUs: one device per GPU and MIG device, "
                                           "plus `all`, and the driver files they share");
  g->add_option("-o,--output", o->output, "Write to this file (atomically, mode 0644) instead of stdout");
  g->add_option("--format", o->format, "json or yaml (default: from the --output name, else yaml)");
  g->add_option("--vendor", o->vendor, "The kind's vendor")->capture_default_str();
  g->add_option("--class", o->device_class, "The kind's class")->capture_default_str();
  g->add_option("--device-name-strategy", o->strategies,
                "index (0, 1:0), uuid (GPU-…, MIG-…) or type-index (gpu0, mig1:0); repeat for several "
                "(default: index and uuid)");
  g->add_option("--driver-capabilities", o->capabilities, "What the devices bring, as NVIDIA_DRIVER_CAPABILITIES")
      ->capture_default_str();
  g->add_option("--hook-path", o->hook_path, "nvrunc-hook as the container runtime will find it");
  g->add_flag("--no-all-device", o->no_all, "Leave out the `all` device");
  g->add_flag("--no-annotations", o->no_annotations,
              "Leave out the nvrunc.io/ annotations (driver version, options), so that the spec is cdiVersion "
              "0.5.0 for engines whose CDI library predates 0.6.0 (podman 4.3); a stale spec is then seen only "
              "from its missing files, and cannot be regenerated in place");
  g->callback([o, &exit_code] { exit_code = run_generate(*o); });
}

} // namespace

void register_cdi(CLI::App& app, int& exit_code) {
  auto* cdi = app.add_subcommand("cdi", "Container Device Interface specs: generate, list, validate");
  cdi->require_subcommand(1);
  add_generate(*cdi, exit_code);
  auto dirs = std::make_shared<std::vector<std::string>>();
  auto* list = cdi->add_subcommand("list", "Print the fully-qualified device names found in the CDI spec directories");
  list->add_option("--spec-dir", *dirs, "A spec directory (repeatable; default: the config's spec-dirs, later wins)");
  list->callback([dirs, &exit_code] { exit_code = run_list(*dirs); });
  auto files = std::make_shared<std::vector<std::string>>();
  auto* validate = cdi->add_subcommand("validate", "Check CDI spec files against the CDI rules; report every problem");
  validate->add_option("files", *files, "Spec files (JSON or YAML)")->required();
  validate->callback([files, &exit_code] { exit_code = run_validate(*files); });
}

} // namespace nvrunc::ctl
