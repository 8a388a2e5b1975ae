// What a container asks for, read from its OCI spec with nvidia-container-toolkit's meaning
// (reference nvidia-container-toolkit.md §2.9-§2.11, libnvidia-container.md §5.1):
//
// - Sources, first match wins: CDI annotations (keys starting with one of the config's
//   annotation-prefixes, sorted by key, values comma lists of fully-qualified CDI names), then
//   `/dev/null` mounts under /var/run/nvidia-container-devices/ (only when
//   accept-nvidia-visible-devices-as-volume-mounts; `cdi/<vendor>/<class>/<name>` and
//   `cdi/<vendor>/<class>=<name>` are CDI names), then the `swarm-resource` env names, then
//   NVIDIA_VISIBLE_DEVICES. Unset/empty/"void": nothing; "none": driver files but no GPU; "all";
//   otherwise a comma list of ids. Legacy CUDA image rule: unset + CUDA_VERSION set + no
//   NVIDIA_REQUIRE_CUDA means "all".
// - A list holding at least one fully-qualified CDI name (`vendor/class=name`) is a CDI request:
//   every id is then a CDI name, unqualified ones (and "all") taken as names of the config's
//   default-kind (`0` -> `nvidia.com/gpu=0`); "none" entries are dropped.
// - Env requests from unprivileged containers (no CAP_SYS_ADMIN in the bounding set) are honoured
//   only with accept-nvidia-visible-devices-envvar-when-unprivileged (default true).
// - Kubernetes sandbox (pause) containers never get anything.
// - NVIDIA_DRIVER_CAPABILITIES: default "utility,compute" ("all" for a legacy image); an unknown
//   word, or one outside supported-driver-capabilities, is an error.
// - NVIDIA_GDS, NVIDIA_MOFED, NVIDIA_NVSWITCH, NVIDIA_GDRCOPY = "enabled" ask for those devices.
#pragma once

#include <string>
#include <vector>

#include "nvrunc/common/capability.hpp"
#include "nvrunc/common/error.hpp"
#include "nvrunc/config/config.hpp"
#include "nvrunc/require/requirements.hpp"
#include "nvrunc/spec/document.hpp"

namespace nvrunc::request {

enum class Devices {
  nothing,     // not a GPU container: the spec is passed through untouched
  driver_only, // "none": driver libraries, binaries and control nodes, no GPU
  all,         // every GPU
  list,        // the ids in `ids`
  cdi,         // the fully-qualified CDI device names in `ids`, resolved against the spec directories
};

struct Request {
  Devices devices = Devices::nothing;
  std::vector<std::string> ids; // as written, trimmed, in order, duplicates removed
  Capabilities capabilities;
  std::vector<require::Requirement> requirements; // NVIDIA_REQUIRE_* (by variable name), implicit cuda>= last
  bool requirements_disabled = false;    // NVIDIA_DISABLE_REQUIRE or config disable-require
  bool legacy_image = false;             // CUDA_VERSION set, NVIDIA_REQUIRE_CUDA unset
  bool gds = false, mofed = false, nvswitch = false, gdrcopy = false; // NVIDIA_<FEATURE>=enabled
  std::string source;                    // where the request came from, for logs and `explain`
  std::vector<std::string> notes;        // decisions worth telling the user (ignored inputs)

  bool wants_driver() const { return devices != Devices::nothing; }
};

// Reads the request. Fails (Errc::invalid_argument) on values that cannot be honoured, such as an
// unknown capability; the message names the variable and the value.
Result<Request> read_request(const spec::Json& spec, const config::Config& config);

// Go's strconv.ParseBool: 1 t T TRUE true True / 0 f F FALSE false False.
std::optional<bool> parse_go_bool(std::string_view value);

} // namespace nvrunc::request
