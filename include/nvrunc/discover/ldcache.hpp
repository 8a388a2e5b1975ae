// glibc's ld.so.cache, parsed from bytes (no ldconfig, no dlopen). Both layouts (glibc dl-cache.h,
// reference libnvidia-container.md §4.3), little-endian:
// - old "ld.so-1.7.0": header, nlibs, 12-byte entries {flags,key,value}; string offsets are relative
//   to the end of the entries. glibc <= 2.31 wrote it followed by the new layout ("compat").
// - new "glibc-ld.so.cache1.1": 48-byte header {magic, nlibs, len_strings, flags, extension_offset,
//   unused}, 24-byte entries {flags,key,value,osversion,hwcap}; offsets relative to this header.
// When both are present the new one is used. Every offset is bounds-checked: a corrupt cache is an
// error, never a crash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/common/error.hpp"

namespace nvrunc::discover {

struct LdCacheEntry {
  std::int32_t flags = 0;
  std::string soname; // the key: "libcuda.so.1"
  std::string path;   // the value: "/usr/lib/x86_64-linux-gnu/libcuda.so.1"
  std::uint64_t hwcap = 0;
};

// flags & 0xff00: the architecture of the entry.
inline constexpr std::int32_t ldcache_arch_mask = 0xff00;
inline constexpr std::int32_t ldcache_arch_i386 = 0x0000;
inline constexpr std::int32_t ldcache_arch_x86_64 = 0x0300;
inline constexpr std::int32_t ldcache_arch_aarch64 = 0x0a00;
inline constexpr std::int32_t ldcache_flag_elf = 0x0001;

// The arch flags of 64-bit libraries for the architecture nvrunc was built for.
std::int32_t native_ldcache_arch();

// Parses a whole cache file. `name` is used in error messages.
Result<std::vector<LdCacheEntry>> parse_ldcache(std::string_view data, std::string_view name);

} // namespace nvrunc::discover
