// Hiding the driver's ability to change device nodes (libnvidia-container §2.5, the toolkit's
// `disable-device-node-modification` hook; reference §8.2 defence 7).
//
// With `ModifyDeviceFiles: 1` in /proc/driver/nvidia/params, NVML and nvidia-smi create and chmod
// /dev/nvidia* nodes themselves; in a container that would defeat the device list nvrunc put in
// config.json. The hook shows the container a copy of that file with `ModifyDeviceFiles: 0`: the
// container's own procfs file (runc mounted /proc before createContainer hooks run) is opened once,
// inside the root, read through that descriptor, and a read-only in-memory copy is mounted over that
// same descriptor (os::mount_memory_file): no scratch file in the container, no path re-resolved.
// The hook runs in the container's mount namespace, so the mount exists only there.
//
// Not being able to mask is never a failed container: no params file (no NVIDIA driver, e.g. a
// simulated node) or no `ModifyDeviceFiles: 1` line is a silent no-op, anything else a warning.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "nvrunc/common/error.hpp"
#include "nvrunc/os/mount.hpp"
#include "nvrunc/os/rooted.hpp"

namespace nvrunc::hook {

inline constexpr std::string_view driver_params_path = "/proc/driver/nvidia/params";
inline constexpr size_t max_params_size = 64 * 1024; // the real file is about 1 KiB

// `params` with each line `ModifyDeviceFiles: 1` turned into `ModifyDeviceFiles: 0`, everything
// else byte for byte; nullopt when there is no such line (already masked, or an older driver).
std::optional<std::string> mask_modify_device_files(std::string_view params);

// Masks the params file at `path` inside `root` (the default in production; tests and the manual runc
// check use another path). Returns true when a mount was made, false for the silent no-ops: no file,
// no `ModifyDeviceFiles: 1` line (so a second run is a no-op too). A final symlink is refused.
Result<bool> mask_params(const os::RootDir& root, std::string_view path = driver_params_path,
                         os::CloneVia via = os::CloneVia::automatic);

} // namespace nvrunc::hook
