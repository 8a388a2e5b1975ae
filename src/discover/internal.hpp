// Discovery's private pieces, one file each: nodes (describe_node), libraries, mig, devices, files.
#pragma once

#include <string>
#include <vector>

#include "nvrunc/discover/inventory.hpp"

namespace nvrunc::discover::detail {

// A node with known numbers, checked against (and completed from) the host's /dev.
Result<DeviceNode> describe_node(const HostFs& fs, std::string path, std::uint32_t major, std::uint32_t minor);

// The ld.so.cache walk: native and 32-bit driver libraries of `inv.driver_version`.
Result<void> discover_libraries(const HostFs& fs, const DiscoverOptions& options, Inventory& inv);

// MIG instances of each GPU and the config/monitor capabilities, from procfs.
Result<void> discover_mig(const HostFs& fs, Inventory& inv);

// DRM nodes of each GPU (sysfs) and the feature-gated nodes (GDS, MOFED, NVSwitch, GDRCopy).
Result<void> discover_devices(const HostFs& fs, Inventory& inv);

// Binaries, firmware, graphics vendor files and X.Org modules.
void discover_files(const HostFs& fs, const DiscoverOptions& options, Inventory& inv);

// IPC endpoints (persistenced, fabricmanager, MPS): they come and go with their daemons, so they are
// looked up on every create, never taken from a snapshot.
void discover_ipc(const HostFs& fs, const DiscoverOptions& options, Inventory& inv);

// Everything but the IPC endpoints.
Result<Inventory> discover_stable(const HostFs& fs, const DiscoverOptions& options);

} // namespace nvrunc::discover::detail
