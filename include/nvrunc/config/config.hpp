// nvrunc's configuration: NVIDIA-compatible keys (an existing /etc/nvidia-container-runtime/config.toml
// works unchanged) plus nvrunc's own keys under [nvrunc].
//
// Search order (DESIGN.md §4): $NVRUNC_CONFIG, /etc/nvrunc/config.toml,
// /etc/nvidia-container-runtime/config.toml, then built-in defaults. A missing file is not an error;
// a file that exists but does not parse, or has a wrong value, is (Errc::bad_config), and the message
// names the file, the key and what is expected.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/common/capability.hpp"
#include "nvrunc/common/error.hpp"

namespace nvrunc::config {

struct Config {
  // --- NVIDIA-compatible (top level) ---
  bool disable_require = false;                             // disable-require
  std::vector<std::string> swarm_resource;                  // swarm-resource (comma list of env names)
  bool accept_envvar_unprivileged = true;                   // accept-nvidia-visible-devices-envvar-when-unprivileged
  bool accept_volume_mounts = false;                        // accept-nvidia-visible-devices-as-volume-mounts
  Capabilities supported_capabilities = Capabilities::all(); // supported-driver-capabilities

  // --- [nvidia-container-runtime] ---
  std::vector<std::string> runtimes{"runc", "crun"}; // low-level runtime candidates
  std::string log_file;                              // debug: our own log file ("" = none)
  std::string log_level = "info";                    // log-level
  // [nvidia-container-runtime.modes.cdi]
  std::vector<std::string> cdi_spec_dirs{"/etc/cdi", "/var/run/cdi"};
  std::string cdi_default_kind = "nvidia.com/gpu";
  std::vector<std::string> cdi_annotation_prefixes{"cdi.k8s.io/"};

  // --- [nvidia-container-cli] ---
  std::string ldconfig = "@/sbin/ldconfig"; // "@" = a host path (the only kind we run)

  // --- [nvrunc] (where the host is read from; a simulated node points these at its directory) ---
  std::string driver_root = "/";   // also [nvidia-container-cli] root
  std::string dev_root;            // "" = same as driver_root
  std::string proc_root = "/proc"; // the directory that stands for the host's /proc
  std::string sys_root = "/sys";   // the directory that stands for the host's /sys (DRM nodes by PCI id)
  std::string ldcache = "/etc/ld.so.cache"; // inside driver_root
  std::vector<std::string> binary_search_paths{"/usr/bin", "/usr/sbin", "/bin", "/sbin", "/usr/local/bin",
                                               "/usr/local/sbin", "/usr/local/nvidia/bin"};
  std::string hook_path; // "" = nvrunc-hook next to the running binary, else /usr/bin/nvrunc-hook
  std::string cache_dir = "/run/nvrunc"; // the inventory snapshot (discover/snapshot.hpp); "" = none
  std::string ctl_path;  // "" = nvrunc-ctl next to the running binary, else /usr/bin/nvrunc-ctl
  int nvml_timeout_s = 90; // nvml-timeout: how long `nvrunc-ctl nvml-facts` may take, in seconds
  bool cdi_regenerate_stale = false; // cdi-regenerate-stale-specs: rewrite a stale nvrunc CDI spec in place

  // Where this configuration came from: a file path, or "built-in defaults".
  std::string source = "built-in defaults";

  std::string effective_dev_root() const { return dev_root.empty() ? driver_root : dev_root; }
};

// Parses TOML text. `name` is used in error messages.
Result<Config> parse(std::string_view toml_text, std::string_view name);

// Finds and loads the configuration following the search order above.
Result<Config> load();

// The file `load()` would read, or "" for built-in defaults.
std::string locate();

namespace detail {
// For tests and fuzz_config: nullopt when the reader of plain TOML (src/config/toml_subset.hpp)
// leaves `toml_text` to toml++, else whether toml++ reads the very same table from it.
std::optional<bool> toml_subset_agrees(std::string_view toml_text);
} // namespace detail

} // namespace nvrunc::config
