// Reading containerd configurations: versions, the CRI plugin id, imports and the merged view
// (containerd.hpp).
#include <algorithm>

#include "containerd_model.hpp"
#include "nvrunc/engine/containerd.hpp"

namespace nvrunc::engine {

namespace containerd {

using namespace toml_doc;

Result<int> config_version(const toml::table& t, std::string_view name) {
  const toml::node* v = t.get("version");
  if (v == nullptr) return t.empty() ? 2 : 1;
  const auto* i = v->as_integer();
  if (i == nullptr || i->get() < 1 || i->get() > 3)
    return fail(Errc::unsupported, "`" + std::string(name) + "`: config version " + render_value(*v) +
                                       " (line " + std::to_string(v->source().begin.line) +
                                       "): only versions 1, 2 and 3 are known");
  return static_cast<int>(i->get());
}

std::string cri_plugin(int version) {
  switch (version) {
  case 1: return "cri";
  case 2: return "io.containerd.grpc.v1.cri";
  default: return "io.containerd.cri.v1.runtime";
  }
}

bool cri_disabled(const std::vector<std::string>& disabled, int version) {
  const std::string own = cri_plugin(version);
  return std::any_of(disabled.begin(), disabled.end(), [&](const std::string& p) {
    return p == own || p == "cri" || p == "io.containerd.grpc.v1.cri";
  });
}

void merge_import(toml::table& to, const toml::table& from) {
  for (const auto& [key, value] : from) {
    const std::string k(key.str());
    toml::node* existing = to.get(k);
    if (k == "plugins" && existing != nullptr && existing->is_table() && value.is_table()) {
      for (const auto& [plugin, section] : *value.as_table()) existing->as_table()->insert_or_assign(plugin.str(), section);
    } else if (k != "version" && existing != nullptr && existing->is_array() && value.is_array()) {
      for (const auto& e : *value.as_array()) existing->as_array()->push_back(e);
    } else if (k == "version" && existing != nullptr) {
      continue; // the main file's version decides how the whole configuration is read
    } else if (existing != nullptr && existing->is_table() && value.is_table()) {
      // containerd merges the other top-level tables ([grpc], [debug]...) key by key.
      for (const auto& [sub, v] : *value.as_table()) existing->as_table()->insert_or_assign(sub.str(), v);
    } else {
      to.insert_or_assign(k, value);
    }
  }
}

HandlerStatus read_handler(const toml::table& merged, int version, std::string_view name) {
  HandlerStatus s;
  s.config_version = version;
  s.cri_disabled = cri_disabled(get_strings(merged, "disabled_plugins"), version);
  const toml::table* cri = find_table(merged, {"plugins", cri_plugin(version)});
  if (cri == nullptr) {
    s.default_runtime = "runc";
    return s;
  }
  if (auto cdi = get_bool(*cri, "enable_cdi")) s.cdi_enabled = cdi;
  const toml::table* ctd = find_table(*cri, {"containerd"});
  s.default_runtime = ctd ? get_string(*ctd, "default_runtime_name").value_or("") : "";
  if (s.default_runtime.empty()) s.default_runtime = "runc";
  s.is_default = s.default_runtime == name;
  const toml::table* runtimes = ctd ? find_table(*ctd, {"runtimes"}) : nullptr;
  if (runtimes == nullptr) return s;
  if (const toml::table* runc = find_table(*runtimes, {"runc", "options"}))
    s.runc_systemd_cgroup = get_bool(*runc, "SystemdCgroup");
  const toml::table* handler = find_table(*runtimes, {std::string(name)});
  if (handler == nullptr) return s;
  s.present = true;
  s.runtime_type = get_string(*handler, "runtime_type").value_or("");
  if (const toml::table* options = find_table(*handler, {"options"})) {
    s.binary = get_string(*options, "BinaryName").value_or("");
    s.systemd_cgroup = get_bool(*options, "SystemdCgroup");
  }
  return s;
}

} // namespace containerd

using namespace containerd;

Result<std::vector<std::string>> containerd_imports(const SourceFile& file) {
  NVRUNC_TRY(tree, toml_doc::parse(text_of(file), file.path));
  return toml_doc::get_strings(tree, "imports");
}

Result<HandlerStatus> inspect_containerd(const SourceFile& main, const std::vector<SourceFile>& imports,
                                         std::string_view name) {
  NVRUNC_TRY(merged, toml_doc::parse(text_of(main), main.path));
  NVRUNC_TRY(version, config_version(merged, main.path));
  std::vector<std::string> sources{main.path};
  for (const auto& f : imports) {
    if (!f.text) continue;
    NVRUNC_TRY(tree, toml_doc::parse(*f.text, f.path));
    merge_import(merged, tree);
    sources.push_back(f.path);
  }
  HandlerStatus s = read_handler(merged, version, name);
  s.sources = std::move(sources);
  return s;
}

Result<HandlerStatus> inspect_containerd_dump(std::string_view dump, std::string_view name) {
  NVRUNC_TRY(tree, toml_doc::parse(dump, "containerd config dump"));
  NVRUNC_TRY(version, config_version(tree, "containerd config dump"));
  HandlerStatus s = read_handler(tree, version, name);
  s.sources = {"containerd config dump"};
  return s;
}

} // namespace nvrunc::engine
