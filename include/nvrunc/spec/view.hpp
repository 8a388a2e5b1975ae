// Read-only, typed views of the parts of an OCI spec that nvrunc reads to decide what to inject.
// Missing or mistyped members read as empty: deciding "nothing requested" must never throw.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/spec/document.hpp"

namespace nvrunc::spec {

// process.env, in order (entries that are not strings are skipped).
std::vector<std::string> process_env(const Json& spec);

// The value of NAME in an env list; the last definition wins (as in nvidia-container-toolkit).
std::optional<std::string> env_value(const std::vector<std::string>& env, std::string_view name);

// annotations as a sorted map (non-string values skipped).
std::map<std::string, std::string> annotations(const Json& spec);

// Whether `cap` ("CAP_SYS_ADMIN") is in process.capabilities.bounding.
bool has_bounding_capability(const Json& spec, std::string_view cap);

struct MountView {
  std::string destination;
  std::string source;
  std::string type;
};
std::vector<MountView> mounts(const Json& spec);

// root.path as written ("" when absent).
std::string root_path(const Json& spec);

// root.path resolved against the bundle directory when relative.
std::string rootfs_host_path(const Json& spec, const std::string& bundle_dir);

} // namespace nvrunc::spec
