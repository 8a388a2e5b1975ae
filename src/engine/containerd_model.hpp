// What containerd.cpp and containerd_inspect.cpp share: the config's version and CRI plugin id, and
// the merge of imported files.
#pragma once

#include <string>
#include <string_view>

#include "nvrunc/engine/engine.hpp"
#include "toml_doc.hpp"

namespace nvrunc::engine::containerd {

inline constexpr std::string_view runc_v2 = "io.containerd.runc.v2";
inline constexpr std::string_view cdi_annotation = "cdi.k8s.io/*";

// `version`: an integer 1-3; none means 1, or 2 for a file with no keys at all. `name` labels errors.
Result<int> config_version(const toml::table& t, std::string_view name);

// The plugin that holds the runtime handlers for a config version.
std::string cri_plugin(int version);

// Whether `disabled` turns the CRI plugin of `version` off.
bool cri_disabled(const std::vector<std::string>& disabled, int version);

// Merges an imported file into `to` the way containerd 1.x/2.0 does.
void merge_import(toml::table& to, const toml::table& from);

// Reads the handler out of a merged configuration.
HandlerStatus read_handler(const toml::table& merged, int version, std::string_view name);

// The text of a file for parsing: "" for a missing file.
inline std::string_view text_of(const SourceFile& f) { return f.text ? std::string_view(*f.text) : std::string_view(); }

} // namespace nvrunc::engine::containerd
