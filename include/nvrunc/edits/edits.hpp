// Edits: what nvrunc adds to a container, in the shape of CDI's containerEdits (device nodes,
// mounts, hooks, env), so that one model feeds both outputs: config.json (apply.hpp) and CDI specs.
// Every edit carries a human reason, shown by `nvrunc-ctl explain` and in debug logs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace nvrunc::edits {

struct DeviceNode {
  std::string path;      // in the container
  std::string host_path; // on the host (informational; runc creates the node from the numbers)
  char type = 'c';
  std::int64_t major = 0, minor = 0;
  std::uint32_t file_mode = 0666;
  std::uint32_t uid = 0, gid = 0;
  std::string permissions = "rw"; // the cgroup access granted
  std::string reason;
};

struct Mount {
  std::string host_path;
  std::string container_path;
  std::string type = "bind";
  std::vector<std::string> options;
  std::string reason;
};

struct Hook {
  std::string hook_name = "createContainer"; // the OCI lifecycle stage
  std::string path;
  std::vector<std::string> args;
  std::vector<std::string> env; // never empty: an empty env would inherit the container's (CVE-2025-23266)
  std::optional<int> timeout;
  std::string reason;
};

struct ContainerEdits {
  std::vector<std::string> env;
  std::vector<DeviceNode> device_nodes;
  std::vector<Mount> mounts;
  std::vector<Hook> hooks;
  std::vector<std::uint32_t> additional_gids; // process.user.additionalGids (CDI; 0 is ignored)

  bool empty() const {
    return env.empty() && device_nodes.empty() && mounts.empty() && hooks.empty() && additional_gids.empty();
  }
};

// Options for read-only bind mounts of host driver files (reference §5.3, toolkit CDI mounts).
std::vector<std::string> read_only_bind_options();

} // namespace nvrunc::edits
