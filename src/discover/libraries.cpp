// Driver libraries from the ld.so.cache (libnvidia-container's rules, reference §2.1 and §4.3).
#include <algorithm>

#include "internal.hpp"
#include "nvrunc/discover/driver_files.hpp"
#include "nvrunc/discover/elf.hpp"
#include "nvrunc/discover/ldcache.hpp"

namespace nvrunc::discover::detail {

namespace {

constexpr size_t max_ldcache_size = 64u << 20;

// A cache key names a library when it is the prefix or the prefix followed by ".<something>":
// "libcuda.so" matches "libcuda.so" and "libcuda.so.1", not "libcudart.so.12".
bool names(std::string_view key, std::string_view prefix) {
  return key == prefix || (key.starts_with(prefix) && key.size() > prefix.size() && key[prefix.size()] == '.');
}

// Candidates: the driver-versioned libraries, then those with their own version. The slot of a
// library is its position in that concatenation.
struct Match {
  const DriverLibrary* lib = nullptr;
  size_t slot = 0;
  bool own_version = false;
};

Match match_library(std::string_view key) {
  size_t slot = 0;
  for (const auto& lib : driver_libraries()) {
    if (names(key, lib.prefix)) return {&lib, slot, false};
    ++slot;
  }
  for (const auto& lib : driver_platform_libraries()) {
    if (names(key, lib.prefix)) return {&lib, slot, true};
    ++slot;
  }
  return {};
}

// The real file must be this driver's (".<driver version>"), or, for a library with its own
// version, "<prefix>.<digits and dots>".
bool acceptable(std::string_view real_path, const Match& m, std::string_view version) {
  if (!m.own_version) return real_path.ends_with("." + std::string(version));
  const auto name = real_path.substr(real_path.rfind('/') + 1);
  if (!name.starts_with(m.lib->prefix) || name.size() <= m.lib->prefix.size() + 1) return false;
  return name.substr(m.lib->prefix.size() + 1).find_first_not_of("0123456789.") == std::string_view::npos;
}

// Walks the cache for one architecture; the last valid entry per library wins.
std::vector<Library> select_libraries(const HostFs& fs, const std::vector<LdCacheEntry>& cache, std::int32_t arch,
                                      const std::string& version, std::vector<std::string>& warnings) {
  std::vector<std::optional<Library>> chosen(driver_libraries().size() + driver_platform_libraries().size());
  for (const auto& e : cache) {
    if ((e.flags & ldcache_arch_mask) != arch || !(e.flags & ldcache_flag_elf)) continue;
    const Match m = match_library(e.soname);
    if (!m.lib) continue;
    auto real = fs.resolve_driver_path(e.path);
    if (!real) {
      warnings.push_back("skipping `" + e.path + "`: " + real.error().what());
      continue;
    }
    if (!acceptable(*real, m, version)) {
      warnings.push_back("skipping `" + *real + "`: not from driver " + version);
      continue;
    }
    chosen[m.slot] = Library{std::string(m.lib->prefix), m.lib->capability, *real, fs.driver_host_path(*real), ""};
  }
  std::vector<Library> out;
  for (auto& c : chosen) {
    if (!c) continue;
    auto soname = read_soname(c->host_path);
    if (!soname) {
      if (soname.error().code() == Errc::io) fs.unreliable(); // not a fact a replay could check
      warnings.push_back("skipping `" + c->host_path + "`: " + soname.error().what());
      continue;
    }
    c->soname = *soname;
    out.push_back(std::move(*c));
  }
  return out;
}

} // namespace

Result<void> discover_libraries(const HostFs& fs, const DiscoverOptions& options, Inventory& inv) {
  auto bytes = fs.read_driver_file(options.ldcache, max_ldcache_size);
  if (!bytes) {
    inv.warnings.push_back("no driver libraries: " + bytes.error().what());
    return {};
  }
  NVRUNC_TRY(cache, parse_ldcache(*bytes, fs.driver_host_path(options.ldcache)));
  inv.libraries = select_libraries(fs, cache, native_ldcache_arch(), inv.driver_version, inv.warnings);
#if defined(__x86_64__)
  inv.libraries32 = select_libraries(fs, cache, ldcache_arch_i386, inv.driver_version, inv.warnings);
#endif
  return {};
}

} // namespace nvrunc::discover::detail
