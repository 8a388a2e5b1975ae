#include "nvrunc/request/request.hpp"

#include <algorithm>

#include "nvrunc/cdi/names.hpp"
#include "nvrunc/common/strings.hpp"
#include "nvrunc/spec/view.hpp"

namespace nvrunc::request {

namespace {

constexpr std::string_view volume_prefixes[] = {"/var/run/nvidia-container-devices/",
                                                "/run/nvidia-container-devices/"};
constexpr size_t max_ids = 1024;
constexpr size_t max_id_length = 256;

struct RawDevices {
  std::optional<std::string> value; // comma list; nullopt = no source present
  std::string source;
  bool from_env = false;
  bool cdi_only = false; // every id must be a qualified CDI name (annotations)
};

// A volume-mount id `cdi/<vendor>/<class>/<name>` or `cdi/<vendor>/<class>=<name>` is a CDI name.
std::string volume_mount_id(std::string id) {
  if (!id.starts_with("cdi/")) return id;
  id.erase(0, 4);
  if (id.find('=') == std::string::npos) {
    const auto first = id.find('/'), last = id.rfind('/');
    if (first != std::string::npos && last != first) id[last] = '=';
  }
  return id;
}

// `/dev/null` bind mounts under /var/run/nvidia-container-devices/<id> (the device plugin's
// "volume-mounts" strategy: a request the user cannot forge through the image's env).
std::optional<std::string> ids_from_volume_mounts(const spec::Json& spec) {
  std::vector<std::string> ids;
  for (const auto& m : spec::mounts(spec)) {
    if (m.source != "/dev/null") continue;
    for (auto prefix : volume_prefixes)
      if (m.destination.size() > prefix.size() && m.destination.compare(0, prefix.size(), prefix) == 0)
        ids.push_back(volume_mount_id(m.destination.substr(prefix.size())));
  }
  if (ids.empty()) return std::nullopt;
  return join(ids, ",");
}

// CDI annotations (set by the orchestrator, e.g. the device plugin through the CRI): keys starting
// with one of the prefixes, in key order; each value a comma list of qualified names.
std::optional<RawDevices> ids_from_annotations(const spec::Json& spec, const config::Config& config) {
  std::vector<std::string> ids, keys;
  for (const auto& [key, value] : spec::annotations(spec)) // a sorted map
    for (const auto& prefix : config.cdi_annotation_prefixes)
      if (!prefix.empty() && key.starts_with(prefix)) {
        keys.push_back(key);
        for (auto& id : split_trimmed(value, ',')) ids.push_back(std::move(id));
        break;
      }
  if (keys.empty()) return std::nullopt;
  return RawDevices{join(ids, ","), "CDI annotation" + std::string(keys.size() > 1 ? "s " : " ") + join(keys, ", "),
                    false, true};
}

RawDevices find_devices(const spec::Json& spec, const std::vector<std::string>& env, const config::Config& config) {
  if (auto a = ids_from_annotations(spec, config)) return *a;
  if (config.accept_volume_mounts)
    if (auto ids = ids_from_volume_mounts(spec))
      return {ids, "volume mounts under /var/run/nvidia-container-devices/", false};
  for (const auto& name : config.swarm_resource)
    if (auto v = spec::env_value(env, name)) return {v, name + " in process.env", true};
  if (auto v = spec::env_value(env, "NVIDIA_VISIBLE_DEVICES")) return {v, "NVIDIA_VISIBLE_DEVICES in process.env", true};
  return {};
}

// A list with a qualified CDI name: every id becomes one (see the header).
Result<void> classify_cdi(Request& req, const std::vector<std::string>& ids, const config::Config& config,
                          bool cdi_only) {
  for (const auto& id : ids) {
    if (id == "none" && !cdi_only) continue;
    std::string name = id;
    if (!cdi::is_qualified_name(name)) {
      if (cdi_only)
        return fail(Errc::invalid_argument, "`" + printable(name) + "` is not a fully-qualified CDI device name "
                                            "(vendor/class=name)");
      name = cdi::qualified_name(config.cdi_default_kind, name);
    }
    if (auto q = cdi::parse_qualified_name(name); !q) return fail(std::move(q.error()));
    if (std::find(req.ids.begin(), req.ids.end(), name) == req.ids.end()) req.ids.push_back(name);
  }
  req.devices = req.ids.empty() ? Devices::driver_only : Devices::cdi;
  return {};
}

Result<void> classify_ids(Request& req, std::string_view value, const config::Config& config, bool cdi_only) {
  auto ids = split_trimmed(value, ',');
  if (ids.size() > max_ids) return fail(Errc::invalid_argument, "too many device ids (" + std::to_string(ids.size()) + ")");
  for (const auto& id : ids)
    if (id.size() > max_id_length) return fail(Errc::invalid_argument, "device id longer than 256 characters");
  if (cdi_only) return classify_cdi(req, ids, config, true);
  if (ids.empty() || std::find(ids.begin(), ids.end(), "void") != ids.end()) return {};
  if (std::any_of(ids.begin(), ids.end(), [](const auto& id) { return cdi::is_qualified_name(id); }))
    return classify_cdi(req, ids, config, false);
  if (std::find(ids.begin(), ids.end(), "all") != ids.end()) {
    req.devices = Devices::all;
    return {};
  }
  std::erase(ids, "none");
  if (ids.empty()) {
    req.devices = Devices::driver_only;
    return {};
  }
  for (const auto& id : ids) {
    if (std::find(req.ids.begin(), req.ids.end(), id) == req.ids.end()) req.ids.push_back(id);
  }
  req.devices = Devices::list;
  return {};
}

bool is_sandbox(const spec::Json& spec) {
  auto a = spec::annotations(spec);
  auto is = [&](const char* key) {
    auto it = a.find(key);
    return it != a.end() && it->second == "sandbox";
  };
  return is("io.kubernetes.cri.container-type") || is("io.kubernetes.cri-o.ContainerType");
}

Result<Capabilities> read_capabilities(const std::vector<std::string>& env, bool legacy, const config::Config& config) {
  auto value = spec::env_value(env, "NVIDIA_DRIVER_CAPABILITIES");
  if (!value || trim(*value).empty()) {
    if (legacy) return config.supported_capabilities;
    return Capabilities().add(Capability::utility).add(Capability::compute).intersect(config.supported_capabilities);
  }
  auto caps = Capabilities::parse(*value);
  if (!caps) return fail(std::move(caps.error()).wrap("NVIDIA_DRIVER_CAPABILITIES=" + *value));
  const auto words = split_trimmed(to_lower(*value), ',');
  if (std::find(words.begin(), words.end(), "all") != words.end()) return config.supported_capabilities;
  if (caps->intersect(config.supported_capabilities) != *caps)
    return fail(Errc::invalid_argument, "NVIDIA_DRIVER_CAPABILITIES=" + *value + ": this node supports only `" +
                                            config.supported_capabilities.to_string() +
                                            "` (config supported-driver-capabilities)");
  return *caps;
}

void read_requirements(Request& req, const std::vector<std::string>& env, const config::Config& config) {
  std::vector<std::pair<std::string, std::string>> vars;
  for (const auto& e : env) {
    auto eq = e.find('=');
    if (eq == std::string::npos || e.rfind("NVIDIA_REQUIRE_", 0) != 0) continue;
    std::string name = e.substr(0, eq);
    if (name.rfind("NVIDIA_REQUIRE_JETPACK", 0) == 0) continue;
    std::erase_if(vars, [&](const auto& v) { return v.first == name; }); // last definition wins
    vars.emplace_back(name, e.substr(eq + 1));
  }
  std::sort(vars.begin(), vars.end());
  for (auto& [name, value] : vars)
    if (!trim(value).empty()) req.requirements.push_back({name, value});
  if (req.legacy_image) {
    const std::string version = spec::env_value(env, "CUDA_VERSION").value_or("");
    auto cuda = split(version, '.'); // views into `version`: it must outlive them
    if (cuda.size() >= 2 && is_digits(cuda[0]) && is_digits(cuda[1]))
      req.requirements.push_back({"CUDA_VERSION=" + version + " (a legacy CUDA image)",
                                  "cuda>=" + std::string(cuda[0]) + "." + std::string(cuda[1])});
  }
  auto disable = spec::env_value(env, "NVIDIA_DISABLE_REQUIRE");
  req.requirements_disabled = config.disable_require || (disable && parse_go_bool(*disable).value_or(false));
}

} // namespace

Result<Request> read_request(const spec::Json& spec, const config::Config& config) {
  Request req;
  if (is_sandbox(spec)) {
    req.source = "kubernetes sandbox container: never given GPUs";
    return req;
  }
  const auto env = spec::process_env(spec);
  RawDevices raw = find_devices(spec, env, config);
  if (!raw.value && spec::env_value(env, "CUDA_VERSION") && !spec::env_value(env, "NVIDIA_REQUIRE_CUDA")) {
    req.legacy_image = true;
    raw = {"all", "legacy CUDA image (CUDA_VERSION set, no NVIDIA_REQUIRE_CUDA, no NVIDIA_VISIBLE_DEVICES)", true};
  }
  if (!raw.value) {
    req.source = "no NVIDIA_VISIBLE_DEVICES";
    return req;
  }
  req.source = raw.source + ": `" + *raw.value + "`";
  if (raw.from_env && !config.accept_envvar_unprivileged && !spec::has_bounding_capability(spec, "CAP_SYS_ADMIN")) {
    req.notes.push_back("ignored " + raw.source + ": the container is unprivileged and "
                        "accept-nvidia-visible-devices-envvar-when-unprivileged is false");
    return req;
  }
  if (auto r = classify_ids(req, *raw.value, config, raw.cdi_only); !r) return fail(std::move(r.error()).wrap(raw.source));
  if (!req.wants_driver()) return req;
  NVRUNC_TRY(caps, read_capabilities(env, req.legacy_image, config));
  req.capabilities = caps;
  read_requirements(req, env, config);
  auto enabled = [&](const char* name) { return spec::env_value(env, name) == "enabled"; };
  req.gds = enabled("NVIDIA_GDS");
  req.mofed = enabled("NVIDIA_MOFED");
  req.nvswitch = enabled("NVIDIA_NVSWITCH");
  req.gdrcopy = enabled("NVIDIA_GDRCOPY");
  return req;
}

} // namespace nvrunc::request
