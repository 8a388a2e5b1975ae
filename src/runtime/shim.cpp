#include "nvrunc/runtime/shim.hpp"

#include <unistd.h>

#include <cstdlib>

#include "nvrunc/discover/snapshot.hpp"
#include "nvrunc/edits/apply.hpp"
#include "nvrunc/log/logger.hpp"
#include "nvrunc/os/exec.hpp"
#include "nvrunc/runtime/cdi.hpp"
#include "nvrunc/runc_args/invocation.hpp"
#include "nvrunc/spec/view.hpp"

namespace nvrunc::runtime {

namespace {

// NVML, only when the request needs what procfs cannot tell (MIG ids, requirements). A node
// without libnvidia-ml gives unknown facts, as the toolkit treats them; one whose NVML fails
// refuses the container (fail closed). Asked through nvrunc-ctl: this binary is static (no dlopen).
Result<std::optional<discover::NvmlFacts>> nvml_facts(const request::Request& req, const discover::Inventory& inv,
                                                      const config::Config& config) {
  if (!plan::needs_nvml(req) || !inv.driver_loaded()) return std::optional<discover::NvmlFacts>();
  std::string problem;
  auto facts = load_nvml(inv, nvml_helper(config), &problem);
  if (!problem.empty()) return fail(Errc::driver_missing, problem);
  return facts;
}

log::Logger make_logger(const runc_args::Invocation& inv, const config::Config* config) {
  log::Options o;
  o.runc_log = inv.log;
  o.format = inv.log_format == runc_args::LogFormat::json ? log::Format::json : log::Format::text;
  if (config) {
    o.threshold = log::parse_level(config->log_level).value_or(log::Level::info);
    o.extra_file = config->log_file;
  }
  if (inv.debug) o.threshold = log::Level::debug;
  return log::Logger(o);
}

std::string summary(const BundlePlan& p) {
  std::string gpus;
  for (const auto* g : p.plan.gpus) gpus += (gpus.empty() ? "" : ", ") + std::to_string(g->index) + " (" + g->uuid + ")";
  return "injected " + (gpus.empty() ? std::string("no GPU (driver only)") : "GPU " + gpus) + " with capabilities " +
         p.request.capabilities.to_string() + ": " + std::to_string(p.plan.edits.device_nodes.size()) + " devices, " +
         std::to_string(p.plan.edits.mounts.size()) + " mounts, " + std::to_string(p.plan.edits.hooks.size()) +
         " hook; request from " + p.request.source;
}

// Holds the decision's objects (the JSON trees, the inventory, the plan) until the process execs the
// low-level runtime, which drops the whole heap at once: freeing them one by one first costs a
// create tens of microseconds for nothing. They hold no file descriptors. Destroyed normally when
// nvrunc exits instead (a refused create).
BundlePlan& keep_until_exec(BundlePlan&& p) {
  static std::optional<BundlePlan> kept;
  return kept.emplace(std::move(p));
}

// create/run: edit the bundle. Everything is decided before the single write.
Result<void> prepare(const runc_args::Invocation& inv, const config::Config& config, const log::Logger& logger) {
  NVRUNC_TRY(planned, plan_bundle(inv.bundle, config));
  auto& p = keep_until_exec(std::move(planned));
  for (const auto& note : p.request.notes) logger.warning(note);
  if (!p.request.wants_driver()) {
    logger.debug("nothing requested (" + p.request.source + "): config.json left as it is");
    return {};
  }
  logger.debug("inventory snapshot: " + p.snapshot);
  for (const auto& w : p.inventory->warnings) logger.debug(w);
  if (!p.changes_spec()) {
    logger.debug("config.json already has every edit: left as it is");
    return {};
  }
  if (auto r = spec::save(p.document, &p.appended); !r) return r;
  logger.info(summary(p));
  return {};
}

config::Config lenient_config() {
  auto c = config::load();
  return c ? *c : config::Config{};
}

void print_version() {
  std::string line = std::string("nvrunc version ") + NVRUNC_VERSION + "\n";
  (void)!::write(STDOUT_FILENO, line.data(), line.size());
}

// A CDI request: the specs' edits instead of a plan; requirements checked against the NVIDIA GPUs
// the devices bring.
Result<BundlePlan> plan_cdi(BundlePlan p, const config::Config& config) {
  NVRUNC_TRY(injection, inject_cdi(p.request, config, *p.inventory));
  if (auto r = plan::check_requirements(p.request, *p.inventory, injection.gpus, p.nvml ? &*p.nvml : nullptr); !r)
    return fail(std::move(r.error()));
  p.plan.gpus = std::move(injection.gpus);
  p.plan.edits = std::move(injection.edits);
  p.cdi_spec_files = std::move(injection.spec_files);
  for (auto& n : injection.notes) p.request.notes.push_back(std::move(n));
  NVRUNC_TRY(changed, edits::apply(p.document.json, p.plan.edits, &p.appended));
  p.changed = changed;
  return p;
}

} // namespace

discover::HostRoots host_roots(const config::Config& config) {
  return {config.driver_root, config.effective_dev_root(), config.proc_root, config.sys_root};
}

discover::DiscoverOptions discover_options(const config::Config& config) {
  discover::DiscoverOptions o;
  o.ldcache = config.ldcache;
  o.binary_search_paths = config.binary_search_paths;
  if (const char* mps = std::getenv("CUDA_MPS_PIPE_DIRECTORY"); mps && *mps == '/') o.mps_pipe_directory = mps;
  return o;
}

Result<BundlePlan> plan_bundle(const std::string& bundle, const config::Config& config) {
  NVRUNC_TRY(doc, spec::load(bundle));
  NVRUNC_TRY(req, request::read_request(doc.json, config));
  BundlePlan p{std::move(doc), std::move(req), std::nullopt, std::nullopt, {}, {}, {}, {}, {}, false};
  if (!p.request.wants_driver()) return p;
  NVRUNC_TRY(found, discover::discover_cached(host_roots(config), discover_options(config), {config.cache_dir}));
  p.inventory = std::move(found.inventory);
  p.snapshot = std::string(discover::cache_use_name(found.use)) + (found.path.empty() ? "" : " " + found.path) +
               (found.note.empty() ? "" : ": " + found.note);
  NVRUNC_TRY(nvml, nvml_facts(p.request, *p.inventory, config));
  p.nvml = std::move(nvml);
  if (p.request.devices == request::Devices::cdi) return plan_cdi(std::move(p), config);
  NVRUNC_TRY(target, inspect_rootfs(p.document.json, bundle, p.inventory->driver_version));
  p.target = target;
  NVRUNC_TRY(plan, plan::make_plan(p.request, *p.inventory, p.target, plan_options(config), p.nvml ? &*p.nvml : nullptr));
  p.plan = std::move(plan);
  NVRUNC_TRY(changed, edits::apply(p.document.json, p.plan.edits, &p.appended));
  p.changed = changed;
  return p;
}

int run(int argc, char** argv) {
  std::vector<std::string> exec_argv;
  std::string runtime_path;
  {
    // Every object of the decision lives in this scope and is gone before execve, except what
    // prepare() keeps (keep_until_exec: memory only).
    const auto inv = runc_args::parse(argc, argv);
    const bool edits_bundle = inv.modifies_spec() && inv.problem.empty();
    std::optional<config::Config> config;
    if (edits_bundle) {
      auto loaded = config::load();
      if (!loaded) {
        make_logger(inv, nullptr).error(inv.command + ": " + loaded.error().what());
        return 1;
      }
      config = std::move(*loaded);
    } else {
      config = lenient_config(); // only `runtimes` matters here; a broken file must not block delete
    }
    // The low-level runtime first: a create that cannot go on must leave config.json as it was.
    auto runtime = find_low_level_runtime(config->runtimes);
    if (!runtime) {
      make_logger(inv, &*config).error(runtime.error().what());
      return 1;
    }
    if (edits_bundle) {
      const auto logger = make_logger(inv, &*config);
      if (auto r = prepare(inv, *config, logger); !r) {
        logger.error(inv.command + ": " + r.error().what());
        return 1;
      }
    }
    if (inv.version) print_version();
    runtime_path = *runtime;
    exec_argv = inv.argv;
    exec_argv[0] = runtime_path;
  }
  Error e = os::exec_program(runtime_path, exec_argv);
  std::string line = "nvrunc: " + e.what() + "\n";
  (void)!::write(STDERR_FILENO, line.data(), line.size());
  return 1;
}

} // namespace nvrunc::runtime
