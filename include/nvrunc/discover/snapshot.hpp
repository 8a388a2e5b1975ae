// The inventory snapshot: discovery done once per change of the driver, not once per container.
//
// A full discovery reads procfs, /dev, the ld.so.cache and the ELF header of every driver library
// (about 800 system calls, 1.3 to 2 ms on an 8-GPU node). The driver changes far less often than
// containers start, so `discover_cached` keeps the inventory in `<cache dir>/inventory-<key>.bin`
// together with what discovery observed (observe.hpp) and, on the next create, replays those
// observations (about 70 reads, listings and stats) instead of discovering again:
// - the procfs files (driver version, each GPU's information, /proc/devices, MIG capabilities) are
//   compared byte for byte and the listings (GPUs, MIG instances, DRM, /dev) name for name;
// - device nodes, the ld.so.cache and the real directories each lookup went through are compared
//   by identity and timestamps (observe.hpp says what that catches and what it cannot).
// Any difference, a snapshot older than `max_age`, another nvrunc version or discovery code (a hash
// of its sources, src/CMakeLists.txt), other discovery options, or anything unexpected about the file (not ours, not root-only,
// truncated) means a full discovery, whose result replaces the snapshot. IPC endpoints (daemons' sockets, the MPS pipe directory) are
// looked up fresh every time. NVML is never cached.
//
// Trust: the snapshot decides what is mounted into containers, so it is only used when the cache
// directory and the file belong to the user nvrunc runs as and nobody else can write them, and the
// directory's parent cannot be changed by another user (root's or ours, not writable by others
// unless sticky); it is written atomically, mode 0600, in a directory created 0700.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/discover/inventory.hpp"
#include "nvrunc/discover/observe.hpp"

namespace nvrunc::discover {

// A snapshot older than this is rediscovered whatever its observations say: a bound on any change
// the observations could miss (a symlink retargeted in a directory no lookup went through).
inline constexpr std::int64_t snapshot_max_age_ns = 10LL * 60 * 1'000'000'000;

enum class CacheUse : std::uint8_t {
  disabled,   // no cache directory configured
  hit,        // the snapshot held
  refreshed,  // no usable snapshot (absent, stale, old): discovered and saved
  unsaved,    // discovered; not saved (racy timestamps, nothing observable, write failed)
  untrusted,  // the directory or file is not ours alone: discovered, nothing read or written
};
std::string_view cache_use_name(CacheUse use);

struct CachedInventory {
  Inventory inventory;
  CacheUse use = CacheUse::disabled;
  std::string path; // the snapshot file ("" when disabled)
  std::string note; // unsaved, untrusted: why
};

struct CacheOptions {
  std::string dir; // "" = no cache: a plain discover()
  std::int64_t racy_window_ns = discover::racy_window_ns; // observe.hpp; tests shorten it
};

// Discovery through the snapshot in `cache.dir`.
Result<CachedInventory> discover_cached(const HostRoots& roots, const DiscoverOptions& options,
                                        const CacheOptions& cache);

// --- the file format (exposed for tests and the fuzzer) ---

struct Snapshot {
  std::string key;             // snapshot_key() of the discovery it holds
  std::int64_t created_ns = 0; // CLOCK_REALTIME
  Inventory inventory;
  std::vector<Observation> observations;
};

// What a snapshot must match: this build, the roots and the discovery options.
std::string snapshot_key(const HostRoots& roots, const DiscoverOptions& options);

std::string encode_snapshot(const Snapshot& snapshot);
// nullopt for anything that is not a complete snapshot of this format (never throws, never reads
// out of bounds; every count is checked against the bytes left).
std::optional<Snapshot> decode_snapshot(std::string_view bytes);

// The inventory of the snapshot in `bytes` when it is one for `key`, created less than the maximum
// age before `now_ns` (CLOCK_REALTIME) and not after it, and its observations all still hold. The
// observations are replayed from the bytes in place (stopping at the first that fails); the
// inventory is decoded only then. nullopt otherwise, and for anything decode_snapshot refuses
// (though damage after a failed observation goes unseen: nothing of the file is used then).
std::optional<Inventory> fresh_inventory(std::string_view bytes, std::string_view key, std::int64_t now_ns);

} // namespace nvrunc::discover
