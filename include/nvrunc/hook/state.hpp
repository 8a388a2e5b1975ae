// The container a createContainer hook works on: the OCI state runc or crun writes to the hook's stdin
// ({"ociVersion","id","status":"creating","pid","bundle","annotations"}) and the rootfs named by the
// bundle's config.json (`root.path`, relative to the bundle unless absolute). crun may put `root`
// in the state itself; it wins when present (as in nvidia-ctk's hooks).
// The state and the bundle come from the runtime (trusted); the size of stdin is capped anyway, and
// nothing here depends on the hook's cwd (runc leaves it in the rootfs) or environment.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "nvrunc/common/error.hpp"

namespace nvrunc::hook {

inline constexpr size_t max_state_size = 1u << 20;

struct ContainerState {
  std::string id;
  std::string bundle; // absolute
  std::string rootfs; // absolute host path; empty when only parse_state ran and the state had no `root`
};

// Reads `fd` to EOF; more than `limit` bytes is an error (Errc::invalid_argument).
Result<std::string> read_stream(int fd, size_t limit = max_state_size);

// Parses the state JSON. `bundle` must be an absolute path. Errors: Errc::invalid_argument.
Result<ContainerState> parse_state(std::string_view json);

// The absolute rootfs path from a config.json document. Errors: Errc::bad_spec.
Result<std::string> rootfs_from_config(std::string_view config_json, const std::string& bundle);

// parse_state, then `<bundle>/config.json` when the state named no root.
Result<ContainerState> load_state(std::string_view state_json);

} // namespace nvrunc::hook
