// Parsing config.toml: a table of known keys, each with its type and where it goes in Config.
#include "nvrunc/config/config.hpp"

#include <functional>

#include "nvrunc/common/strings.hpp"
#include "nvrunc/config/toml_guard.hpp"
#include "toml.hpp"
#include "toml_subset.hpp"

namespace nvrunc::config {

namespace {

using Setter = std::function<Result<void>(const toml::node&, Config&)>;

struct Key {
  std::string_view path; // dotted TOML path
  Setter set;
};

std::string describe(const toml::node& n) {
  switch (n.type()) {
  case toml::node_type::string: return "a string";
  case toml::node_type::boolean: return "a boolean";
  case toml::node_type::integer: return "an integer";
  case toml::node_type::array: return "an array";
  case toml::node_type::table: return "a table";
  default: return "another type";
  }
}

tl::unexpected<Error> type_error(std::string_view expected, const toml::node& n) {
  return fail(Errc::bad_config, "expected " + std::string(expected) + ", found " + describe(n));
}

Setter boolean(bool Config::*field) {
  return [field](const toml::node& n, Config& c) -> Result<void> {
    if (!n.is_boolean()) return type_error("true or false", n);
    c.*field = n.as_boolean()->get();
    return {};
  };
}

Setter string(std::string Config::*field, bool absolute_path = false) {
  return [field, absolute_path](const toml::node& n, Config& c) -> Result<void> {
    if (!n.is_string()) return type_error("a string", n);
    std::string v = n.as_string()->get();
    if (absolute_path && !v.empty() && v.front() != '/') return fail(Errc::bad_config, "`" + v + "` is not an absolute path");
    c.*field = v;
    return {};
  };
}

Setter string_list(std::vector<std::string> Config::*field) {
  return [field](const toml::node& n, Config& c) -> Result<void> {
    if (!n.is_array()) return type_error("an array of strings", n);
    std::vector<std::string> out;
    for (const auto& e : *n.as_array()) {
      if (!e.is_string()) return type_error("an array of strings", e);
      out.push_back(e.as_string()->get());
    }
    c.*field = std::move(out);
    return {};
  };
}

Result<void> set_capabilities(const toml::node& n, Config& c) {
  if (!n.is_string()) return type_error("a string such as \"compute,utility\"", n);
  auto caps = Capabilities::parse(n.as_string()->get());
  if (!caps) return fail(Errc::bad_config, caps.error().message());
  c.supported_capabilities = *caps;
  return {};
}

Result<void> set_swarm(const toml::node& n, Config& c) {
  if (!n.is_string()) return type_error("a string", n);
  c.swarm_resource = split_trimmed(n.as_string()->get(), ',');
  return {};
}

Result<void> set_ldconfig(const toml::node& n, Config& c) {
  if (!n.is_string()) return type_error("a string", n);
  std::string v = n.as_string()->get();
  if (v.size() < 2 || v[0] != '@' || v[1] != '/')
    return fail(Errc::bad_config, "`" + v + "`: only a host ldconfig is run, written \"@/absolute/path\" "
                                            "(an ldconfig from the container image is never executed)");
  c.ldconfig = v;
  return {};
}

// Whole seconds, 1 to 3600: NVML on a big node without persistence mode takes tens of seconds; an
// hour is already "never".
Result<void> set_nvml_timeout(const toml::node& n, Config& c) {
  if (!n.is_integer()) return type_error("a whole number of seconds", n);
  const auto v = n.as_integer()->get();
  if (v < 1 || v > 3600) return fail(Errc::bad_config, std::to_string(v) + " seconds: expected 1 to 3600");
  c.nvml_timeout_s = static_cast<int>(v);
  return {};
}

Result<void> set_driver_root(const toml::node& n, Config& c) {
  if (!n.is_string()) return type_error("a string", n);
  std::string v = n.as_string()->get();
  if (v.empty()) return {}; // the toolkit's default: the host root
  if (v.front() != '/') return fail(Errc::bad_config, "`" + v + "` is not an absolute path");
  c.driver_root = v;
  return {};
}

const std::vector<Key>& keys() {
  static const std::vector<Key> table = {
      {"disable-require", boolean(&Config::disable_require)},
      {"swarm-resource", set_swarm},
      {"accept-nvidia-visible-devices-envvar-when-unprivileged", boolean(&Config::accept_envvar_unprivileged)},
      {"accept-nvidia-visible-devices-as-volume-mounts", boolean(&Config::accept_volume_mounts)},
      {"supported-driver-capabilities", set_capabilities},
      {"nvidia-container-runtime.runtimes", string_list(&Config::runtimes)},
      {"nvidia-container-runtime.debug", string(&Config::log_file)},
      {"nvidia-container-runtime.log-level", string(&Config::log_level)},
      {"nvidia-container-runtime.modes.cdi.spec-dirs", string_list(&Config::cdi_spec_dirs)},
      {"nvidia-container-runtime.modes.cdi.default-kind", string(&Config::cdi_default_kind)},
      {"nvidia-container-runtime.modes.cdi.annotation-prefixes", string_list(&Config::cdi_annotation_prefixes)},
      {"nvidia-container-cli.root", set_driver_root},
      {"nvidia-container-cli.ldconfig", set_ldconfig},
      {"nvrunc.driver-root", set_driver_root},
      {"nvrunc.dev-root", string(&Config::dev_root, true)},
      {"nvrunc.proc-root", string(&Config::proc_root, true)},
      {"nvrunc.sys-root", string(&Config::sys_root, true)},
      {"nvrunc.ldcache", string(&Config::ldcache, true)},
      {"nvrunc.binary-search-paths", string_list(&Config::binary_search_paths)},
      {"nvrunc.hook-path", string(&Config::hook_path, true)},
      {"nvrunc.cache-dir", string(&Config::cache_dir, true)},
      {"nvrunc.ctl-path", string(&Config::ctl_path, true)},
      {"nvrunc.nvml-timeout", set_nvml_timeout},
      {"nvrunc.runtimes", string_list(&Config::runtimes)},
      {"nvrunc.log-file", string(&Config::log_file, true)},
      {"nvrunc.cdi-regenerate-stale-specs", boolean(&Config::cdi_regenerate_stale)},
  };
  return table;
}

// [nvrunc] is ours: a key we do not know there is a typo worth reporting. The NVIDIA sections carry
// many keys that only matter to NVIDIA's own tools; those are accepted and ignored.
Result<void> check_unknown_nvrunc_keys(const toml::table& root, std::string_view name) {
  const toml::table* ours = root["nvrunc"].as_table();
  if (!ours) return {};
  for (const auto& [key, value] : *ours) {
    std::string path = "nvrunc." + std::string(key.str());
    bool known = false;
    for (const auto& k : keys()) known = known || k.path == path;
    if (!known)
      return fail(Errc::bad_config, "read `" + std::string(name) + "`: unknown key `" + path +
                                        "` (see config/config.toml for the supported keys)");
  }
  return {};
}

// The node at a dotted path of bare keys ("nvidia-container-cli.ldconfig"), or nullptr: a lookup
// per part, where toml++'s at_path() would first parse the path for quoting and array indices.
const toml::node* at_dotted(const toml::table& root, std::string_view path) {
  const toml::table* table = &root;
  for (size_t dot; (dot = path.find('.')) != std::string_view::npos; path.remove_prefix(dot + 1)) {
    const toml::node* part = table->get(path.substr(0, dot));
    if (!part || !(table = part->as_table())) return nullptr;
  }
  return table->get(path);
}

// The file's table: plain files through the subset reader, everything else (and every error)
// through toml++.
Result<toml::table> read_table(std::string_view toml_text, std::string_view name) {
  if (auto simple = detail::parse_toml_subset(toml_text)) return std::move(*simple);
  if (auto r = refuse_toml_hazards(toml_text, name); !r) return fail(std::move(r.error()));
  try {
    return toml::parse(toml_text, name);
  } catch (const toml::parse_error& e) {
    return detail::parse_error(name, e.source().begin.line, e.source().begin.column, e.description());
  }
}

} // namespace

std::optional<bool> detail::toml_subset_agrees(std::string_view toml_text) {
  auto simple = parse_toml_subset(toml_text);
  if (!simple) return std::nullopt;
  try {
    return *simple == toml::parse(toml_text);
  } catch (const toml::parse_error&) {
    return false;
  }
}

Result<Config> parse(std::string_view toml_text, std::string_view name) {
  NVRUNC_TRY(root, read_table(toml_text, name));
  Config config;
  config.source = std::string(name);
  for (const auto& key : keys()) {
    const toml::node* node = at_dotted(root, key.path);
    if (!node) continue;
    if (auto r = key.set(*node, config); !r)
      return fail(std::move(r.error()).wrap("read `" + std::string(name) + "`: key `" + std::string(key.path) + "`"));
  }
  if (auto r = check_unknown_nvrunc_keys(root, name); !r) return fail(std::move(r.error()));
  if (config.runtimes.empty())
    return fail(Errc::bad_config, "read `" + std::string(name) + "`: `runtimes` is empty (default: [\"runc\", \"crun\"])");
  return config;
}

} // namespace nvrunc::config
