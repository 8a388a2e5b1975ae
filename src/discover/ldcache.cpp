#include "nvrunc/discover/ldcache.hpp"

#include <algorithm>
#include <cstring>

namespace nvrunc::discover {

namespace {

constexpr std::string_view old_magic = "ld.so-1.7.0";
constexpr std::string_view new_magic = "glibc-ld.so.cache1.1";
constexpr size_t old_header_size = 16;   // magic[11] + pad + uint32 nlibs
constexpr size_t old_entry_size = 12;    // int32 flags, uint32 key, uint32 value
constexpr size_t new_header_size = 48;   // see the header comment
constexpr size_t new_entry_size = 24;    // + uint32 osversion, uint64 hwcap

template <class T>
T read_le(std::string_view data, size_t offset) {
  T v;
  std::memcpy(&v, data.data() + offset, sizeof v); // the cache is written in host order (LE here)
  return v;
}

// A NUL-terminated string at `offset` inside `data`.
Result<std::string> string_at(std::string_view data, uint64_t offset, std::string_view name) {
  if (offset >= data.size()) return fail(Errc::invalid_argument, "parse `" + std::string(name) + "`: corrupted entry");
  auto end = data.find('\0', offset);
  if (end == std::string_view::npos)
    return fail(Errc::invalid_argument, "parse `" + std::string(name) + "`: unterminated string");
  return std::string(data.substr(offset, end - offset));
}

// The entry table: `count` entries of `entry_size` bytes from `first`, whose key and value are
// offsets into `strings`; the new layout adds osversion and hwcap after them.
Result<std::vector<LdCacheEntry>> read_entries(std::string_view data, size_t first, uint64_t count,
                                               size_t entry_size, std::string_view strings, std::string_view name) {
  if (count > (data.size() - std::min(first, data.size())) / entry_size)
    return fail(Errc::invalid_argument, "parse `" + std::string(name) + "`: truncated (" + std::to_string(count) +
                                            " entries announced)");
  std::vector<LdCacheEntry> out;
  out.reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    const size_t at = first + i * entry_size;
    LdCacheEntry e;
    e.flags = read_le<int32_t>(data, at);
    NVRUNC_TRY(key, string_at(strings, read_le<uint32_t>(data, at + 4), name));
    NVRUNC_TRY(value, string_at(strings, read_le<uint32_t>(data, at + 8), name));
    e.soname = std::move(key);
    e.path = std::move(value);
    if (entry_size == new_entry_size) e.hwcap = read_le<uint64_t>(data, at + 16);
    out.push_back(std::move(e));
  }
  return out;
}

Result<std::vector<LdCacheEntry>> parse_new(std::string_view data, std::string_view name) {
  if (data.size() < new_header_size || data.substr(0, new_magic.size()) != new_magic)
    return fail(Errc::invalid_argument, "parse `" + std::string(name) + "`: unsupported file format");
  return read_entries(data, new_header_size, read_le<uint32_t>(data, 20), new_entry_size, data, name);
}

Result<std::vector<LdCacheEntry>> parse_old(std::string_view data, std::string_view name) {
  if (data.size() < old_header_size)
    return fail(Errc::invalid_argument, "parse `" + std::string(name) + "`: truncated header");
  const uint64_t nlibs = read_le<uint32_t>(data, 12);
  const uint64_t entries_end = old_header_size + nlibs * old_entry_size;
  if (entries_end > data.size())
    return fail(Errc::invalid_argument, "parse `" + std::string(name) + "`: truncated (" + std::to_string(nlibs) +
                                            " entries announced)");
  // "compat": the new layout follows, 8-byte aligned; it is the richer one.
  const size_t new_at = (entries_end + 7) & ~size_t(7);
  if (new_at < data.size() && data.substr(new_at, new_magic.size()) == new_magic)
    return parse_new(data.substr(new_at), name);
  return read_entries(data, old_header_size, nlibs, old_entry_size, data.substr(entries_end), name);
}

} // namespace

std::int32_t native_ldcache_arch() {
#if defined(__x86_64__)
  return ldcache_arch_x86_64;
#elif defined(__aarch64__)
  return ldcache_arch_aarch64;
#else
#error "nvrunc supports x86_64 and aarch64"
#endif
}

Result<std::vector<LdCacheEntry>> parse_ldcache(std::string_view data, std::string_view name) {
  if (data.substr(0, old_magic.size()) == old_magic) return parse_old(data, name);
  return parse_new(data, name);
}

} // namespace nvrunc::discover
