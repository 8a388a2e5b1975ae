#include "nvrunc/runtime/cdi.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <map>

#include "nvrunc/cdi/convert.hpp"
#include "nvrunc/cdi/read.hpp"
#include "nvrunc/cdi/registry.hpp"
#include "nvrunc/cdi/write.hpp"
#include "nvrunc/common/strings.hpp"
#include "nvrunc/discover/host_fs.hpp"
#include "nvrunc/plan/plan.hpp"
#include "nvrunc/runtime/shim.hpp"

namespace nvrunc::runtime {

namespace {

const cdi::SpecFile* spec_file(const cdi::Registry& registry, const std::string& path) {
  for (const auto& f : registry.specs())
    if (f.path == path) return &f;
  return nullptr;
}

std::vector<std::string> used_spec_files(const std::vector<cdi::ResolvedEdits>& steps) {
  std::vector<std::string> files;
  for (const auto& s : steps)
    if (std::find(files.begin(), files.end(), s.spec_path) == files.end()) files.push_back(s.spec_path);
  return files;
}

// The driver an nvrunc-made spec was made for, when it is not the host's.
std::optional<std::string> stale_driver(const cdi::Spec& spec, const discover::Inventory& inv) {
  auto made_for = cdi::annotation(spec.annotations, generate::driver_version_annotation);
  if (!made_for || *made_for == inv.driver_version) return std::nullopt;
  return made_for;
}

std::string host_driver(const discover::Inventory& inv) {
  return inv.driver_loaded() ? "driver " + inv.driver_version : "no NVIDIA driver loaded";
}

Result<void> regenerate(const cdi::SpecFile& f, const config::Config& config) {
  NVRUNC_TRY(options, generate::options_of(f.spec, plan_options(config)));
  NVRUNC_TRY(spec, generate_node_spec(config, options, nvml_helper(config)));
  const auto format = f.path.ends_with(".json") ? cdi::Format::json : cdi::Format::yaml;
  return cdi::write_spec_file(f.path, spec, format);
}

// Refuses (or, when configured, regenerates) the stale nvrunc specs among those used. Returns
// whether a spec was rewritten (the registry must then be read again).
Result<bool> handle_stale(const cdi::Registry& registry, const std::vector<std::string>& files,
                          const config::Config& config, const discover::Inventory& inv, std::vector<std::string>& notes) {
  bool rewritten = false;
  for (const auto& path : files) {
    const auto* f = spec_file(registry, path);
    if (!f) continue;
    auto made_for = stale_driver(f->spec, inv);
    if (!made_for) continue;
    const std::string what = "CDI spec `" + path + "` was generated for driver " + *made_for + " but this node has " +
                             host_driver(inv);
    if (!config.cdi_regenerate_stale || !inv.driver_loaded())
      return fail(Errc::stale_spec, what + ": regenerate it (nvrunc-ctl cdi generate --output " + path +
                                        "), or set [nvrunc] cdi-regenerate-stale-specs = true");
    if (auto r = regenerate(*f, config); !r) return fail(std::move(r.error()).wrap(what + ": regenerate"));
    notes.push_back(what + ": regenerated it");
    rewritten = true;
  }
  return rewritten;
}

Result<cdi::HostNode> stat_host_node(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return fail_errno("stat `" + path + "`");
  cdi::HostNode n;
  if (S_ISCHR(st.st_mode)) n.type = 'c';
  else if (S_ISBLK(st.st_mode)) n.type = 'b';
  else if (S_ISFIFO(st.st_mode)) n.type = 'p';
  n.major = major(st.st_rdev);
  n.minor = minor(st.st_rdev);
  n.mode = st.st_mode & 07777;
  return n;
}

bool exists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

std::string step_name(const cdi::ResolvedEdits& step) {
  return (step.device ? "CDI device " + *step.device : std::string("CDI common edits")) + " (" + step.spec_path + ")";
}

// The first host file the edits need that is gone: "mount source `…`" or "device node `…`".
std::optional<std::string> missing_host_file(const cdi::ContainerEdits& c) {
  for (const auto& m : c.mounts)
    if (!m.host_path.empty() && m.host_path.front() == '/' && !exists(m.host_path))
      return "mount source `" + m.host_path + "`";
  for (const auto& d : c.device_nodes) {
    const auto& host = d.host_path && !d.host_path->empty() ? *d.host_path : d.path;
    if (!exists(host)) return "device node `" + host + "`";
  }
  return std::nullopt;
}

// One step's edits, completed from the host and checked against it, each entry with its reason.
Result<edits::ContainerEdits> step_edits(const cdi::ResolvedEdits& step) {
  const std::string name = step_name(step);
  cdi::ContainerEdits c = step.edits;
  if (auto missing = missing_host_file(c))
    return fail(Errc::stale_spec, name + ": " + *missing + " does not exist on this node: the spec is stale, regenerate it");
  if (auto r = cdi::complete_device_nodes(c, stat_host_node); !r) return fail(std::move(r.error()).wrap(name));
  auto e = cdi::to_edits(c);
  if (!e) return fail(std::move(e.error()).wrap(name));
  for (auto& d : e->device_nodes) d.reason = name;
  for (auto& m : e->mounts) m.reason = name;
  for (auto& h : e->hooks) {
    h.reason = name;
    // A hook without an env runs with the runtime's own environment (what reaches runc, such as
    // LD_PRELOAD, reaches the hook: the CVE-2025-23266 pattern); every hook gets an explicit one.
    if (h.env.empty()) h.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
  }
  return std::move(*e);
}

void append(edits::ContainerEdits& to, edits::ContainerEdits&& from) {
  auto move_all = [](auto& dst, auto& src) { std::move(src.begin(), src.end(), std::back_inserter(dst)); };
  move_all(to.env, from.env);
  move_all(to.device_nodes, from.device_nodes);
  move_all(to.mounts, from.mounts);
  move_all(to.hooks, from.hooks);
  move_all(to.additional_gids, from.additional_gids);
}

// A container asking for capabilities an nvrunc-made spec was made without would silently miss
// their libraries: refused instead. (Other vendors' specs have no notion of capabilities.)
Result<void> check_capabilities(const request::Request& req, const cdi::Registry& registry,
                                const std::vector<std::string>& files) {
  for (const auto& path : files) {
    const auto* f = spec_file(registry, path);
    if (!f) continue;
    auto made_with = cdi::annotation(f->spec.annotations, generate::capabilities_annotation);
    if (!made_with) continue;
    auto caps = Capabilities::parse(*made_with);
    if (!caps || req.capabilities.intersect(*caps) == req.capabilities) continue;
    return fail(Errc::invalid_argument, "NVIDIA_DRIVER_CAPABILITIES asks for `" + req.capabilities.to_string() +
                                            "` but CDI spec `" + path + "` was generated with `" + *made_with +
                                            "`: regenerate it with --driver-capabilities all");
  }
  return {};
}

// The NVIDIA GPUs among the injected nodes (/dev/nvidia<minor>), for requirements.
std::vector<const discover::Gpu*> injected_gpus(const edits::ContainerEdits& e, const discover::Inventory& inv) {
  std::vector<const discover::Gpu*> gpus;
  for (const auto& d : e.device_nodes) {
    constexpr std::string_view prefix = "/dev/nvidia";
    if (!d.path.starts_with(prefix) || !is_digits(std::string_view(d.path).substr(prefix.size()))) continue;
    for (const auto& g : inv.gpus)
      if (g.minor == static_cast<unsigned>(d.minor) && std::find(gpus.begin(), gpus.end(), &g) == gpus.end())
        gpus.push_back(&g);
  }
  std::sort(gpus.begin(), gpus.end(), [](auto* a, auto* b) { return a->index < b->index; });
  return gpus;
}

Result<std::vector<cdi::ResolvedEdits>> resolve(const cdi::Registry& registry, const request::Request& req,
                                                const config::Config& config) {
  auto steps = registry.resolve(req.ids);
  if (steps) return steps;
  std::string message = steps.error().message();
  const auto available = registry.list();
  message += available.empty() ? "; the spec directories (" + join(config.cdi_spec_dirs, ", ") + ") define no device"
                               : "; available: " + join(available, ", ");
  for (const auto& e : registry.errors()) message += "; skipped `" + e.path + "`: " + e.error.what();
  return fail(Errc::unknown_device, message);
}

} // namespace

std::vector<SpecCheck> check_spec_dirs(const config::Config& config, const discover::Inventory& inv) {
  std::vector<SpecCheck> out;
  auto registry = cdi::load_registry(config.cdi_spec_dirs);
  if (!registry) return {{"", "", false, registry.error().what()}};
  for (const auto& f : registry->specs()) {
    SpecCheck c{f.path, f.spec.kind, cdi::annotation(f.spec.annotations, generate::generator_annotation).has_value(), ""};
    if (auto made_for = stale_driver(f.spec, inv))
      c.problem = "generated for driver " + *made_for + ", this node has " + host_driver(inv);
    else if (auto missing = missing_host_file(f.spec.edits))
      c.problem = *missing + " is gone";
    else
      for (const auto& d : f.spec.devices)
        if (auto gone = missing_host_file(d.edits)) {
          c.problem = "device " + d.name + ": " + *gone + " is gone";
          break;
        }
    out.push_back(std::move(c));
  }
  // A conflict is recorded per device and per file: one line per file.
  std::map<std::string, std::vector<std::string>> conflicts;
  for (const auto& e : registry->errors()) {
    if (e.conflict) conflicts[e.path].push_back(*e.conflict);
    else out.push_back({e.path, "", false, e.error.what()});
  }
  for (auto& [path, names] : conflicts)
    out.push_back({path, "", false, std::to_string(names.size()) + " device" + (names.size() > 1 ? "s" : "") +
                                        " also defined by another file of its directory, so unusable (" +
                                        join(std::vector<std::string>(names.begin(), names.begin() + std::min<size_t>(names.size(), 3)), ", ") +
                                        (names.size() > 3 ? ", …" : "") + ")"});
  return out;
}

plan::Options plan_options(const config::Config& config) {
  plan::Options options;
  options.hook_path = hook_path(config);
  options.ldconfig_path = config.ldconfig.substr(1); // "@/sbin/ldconfig" -> "/sbin/ldconfig"
  options.dev_root = config.effective_dev_root();
  return options;
}

Result<cdi::Spec> generate_node_spec(const config::Config& config, const generate::CdiOptions& options,
                                     const NvmlQuery& nvml_query, std::vector<std::string>* skipped) {
  discover::HostFs fs(host_roots(config));
  NVRUNC_TRY(inv, discover::discover(fs, discover_options(config)));
  auto nvml = load_nvml(inv, nvml_query);
  return generate::cdi_spec(inv, nvml ? &*nvml : nullptr, options, skipped);
}

Result<CdiInjection> inject_cdi(const request::Request& req, const config::Config& config,
                                const discover::Inventory& inv) {
  CdiInjection out;
  NVRUNC_TRY(loaded, cdi::load_registry(config.cdi_spec_dirs));
  cdi::Registry registry = std::move(loaded);
  NVRUNC_TRY(first, resolve(registry, req, config));
  std::vector<cdi::ResolvedEdits> steps = std::move(first);
  NVRUNC_TRY(rewritten, handle_stale(registry, used_spec_files(steps), config, inv, out.notes));
  if (rewritten) {
    NVRUNC_TRY(reloaded, cdi::load_registry(config.cdi_spec_dirs));
    registry = std::move(reloaded);
    NVRUNC_TRY(again, resolve(registry, req, config));
    steps = std::move(again);
    std::vector<std::string> ignored;
    NVRUNC_TRY(still, handle_stale(registry, used_spec_files(steps), config, inv, ignored));
    if (still) return fail(Errc::stale_spec, "a regenerated CDI spec is still stale");
  }
  out.spec_files = used_spec_files(steps);
  if (auto r = check_capabilities(req, registry, out.spec_files); !r) return fail(std::move(r.error()));
  for (const auto& step : steps) {
    NVRUNC_TRY(e, step_edits(step));
    append(out.edits, std::move(e));
  }
  out.gpus = injected_gpus(out.edits, inv);
  return out;
}

} // namespace nvrunc::runtime
