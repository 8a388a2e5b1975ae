#include "nvrunc/discover/inventory.hpp"

#include <algorithm>

#include "nvrunc/discover/driver_files.hpp"
#include "nvrunc/discover/elf.hpp"
#include "nvrunc/discover/ldcache.hpp"
#include "nvrunc/discover/procfs.hpp"

namespace nvrunc::discover {

namespace {

constexpr size_t max_ldcache_size = 64u << 20;

// A node with known numbers, checked against (and completed from) the host's /dev.
Result<DeviceNode> describe_node(const HostFs& fs, std::string path, std::uint32_t major, std::uint32_t minor) {
  DeviceNode node;
  node.path = std::move(path);
  node.major = major;
  node.minor = minor;
  NVRUNC_TRY(host, fs.stat_node(node.path));
  if (!host) return node;
  node.on_host = true;
  if (host->type != 'c' || host->major != major || host->minor != minor)
    node.problem = "host node `" + node.path + "` is " + std::string(1, host->type) + " " + std::to_string(host->major) +
                   ":" + std::to_string(host->minor) + ", expected c " + std::to_string(major) + ":" +
                   std::to_string(minor);
  node.mode = host->mode;
  node.uid = host->uid;
  node.gid = host->gid;
  return node;
}

Result<std::vector<Gpu>> discover_gpus(const HostFs& fs, std::vector<std::string>& warnings) {
  std::vector<Gpu> gpus;
  for (const auto& dir : fs.list_proc("driver/nvidia/gpus")) {
    auto text = fs.read_proc("driver/nvidia/gpus/" + dir + "/information");
    if (!text) {
      warnings.push_back("skipping GPU `" + dir + "`: " + text.error().what());
      continue;
    }
    auto info = parse_gpu_information(*text);
    auto bus = normalize_bus_id(info.bus_location.empty() ? dir : info.bus_location);
    if (!info.minor || !bus || info.uuid.empty()) {
      warnings.push_back("skipping GPU `" + dir + "`: incomplete information file");
      continue;
    }
    Gpu gpu{0, *info.minor, info.uuid, *bus, info.model, {}};
    NVRUNC_TRY(node, describe_node(fs, "/dev/nvidia" + std::to_string(gpu.minor), nvidia_major, gpu.minor));
    gpu.node = std::move(node);
    gpus.push_back(std::move(gpu));
  }
  std::sort(gpus.begin(), gpus.end(), [](const Gpu& a, const Gpu& b) { return a.bus_id < b.bus_id; });
  for (size_t i = 0; i < gpus.size(); ++i) gpus[i].index = static_cast<unsigned>(i);
  return gpus;
}

Result<void> discover_control_nodes(const HostFs& fs, Inventory& inv) {
  NVRUNC_TRY(ctl, describe_node(fs, "/dev/nvidiactl", nvidia_major, nvidiactl_minor));
  inv.nvidiactl = std::move(ctl);
  NVRUNC_TRY(modeset, describe_node(fs, "/dev/nvidia-modeset", nvidia_major, modeset_minor));
  if (modeset.on_host) inv.modeset = std::move(modeset);
  auto devices = fs.read_proc("devices");
  auto uvm_major = devices ? find_char_major(*devices, "nvidia-uvm") : std::nullopt;
  if (!uvm_major) {
    inv.warnings.push_back("nvidia-uvm is not in /proc/devices (module not loaded): CUDA needs it");
    return {};
  }
  NVRUNC_TRY(uvm, describe_node(fs, "/dev/nvidia-uvm", *uvm_major, 0));
  NVRUNC_TRY(tools, describe_node(fs, "/dev/nvidia-uvm-tools", *uvm_major, 1));
  inv.uvm = std::move(uvm);
  inv.uvm_tools = std::move(tools);
  return {};
}

// "libcuda.so" matches "libcuda.so" and "libcuda.so.1", not "libcudart.so.12".
const DriverLibrary* match_library(std::string_view soname) {
  for (const auto& lib : driver_libraries()) {
    const std::string_view p = lib.prefix;
    if (soname == p || (soname.starts_with(p) && soname.size() > p.size() && soname[p.size()] == '.')) return &lib;
  }
  return nullptr;
}

bool ends_with_version(std::string_view real_path, std::string_view version) {
  return real_path.ends_with("." + std::string(version));
}

// Walks the cache for one architecture; the last valid entry per library wins.
std::vector<Library> select_libraries(const HostFs& fs, const std::vector<LdCacheEntry>& cache, std::int32_t arch,
                                      const std::string& version, std::vector<std::string>& warnings) {
  std::vector<std::optional<Library>> chosen(driver_libraries().size());
  for (const auto& e : cache) {
    if ((e.flags & ldcache_arch_mask) != arch || !(e.flags & ldcache_flag_elf)) continue;
    const DriverLibrary* lib = match_library(e.soname);
    if (!lib) continue;
    auto real = fs.resolve_driver_path(e.path);
    if (!real) {
      warnings.push_back("skipping `" + e.path + "`: " + real.error().what());
      continue;
    }
    if (!ends_with_version(*real, version)) {
      warnings.push_back("skipping `" + *real + "`: not from driver " + version);
      continue;
    }
    size_t slot = static_cast<size_t>(lib - driver_libraries().data());
    chosen[slot] = Library{std::string(lib->prefix), lib->capability, *real, fs.driver_host_path(*real), ""};
  }
  std::vector<Library> out;
  for (auto& c : chosen) {
    if (!c) continue;
    auto soname = read_soname(c->host_path);
    if (!soname) {
      warnings.push_back("skipping `" + c->host_path + "`: " + soname.error().what());
      continue;
    }
    c->soname = *soname;
    out.push_back(std::move(*c));
  }
  return out;
}

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

void discover_binaries(const HostFs& fs, const DiscoverOptions& options, Inventory& inv) {
  for (const auto& bin : driver_binaries()) {
    std::vector<std::string> rejected; // /bin and /usr/bin are often one directory: say it once
    for (const auto& dir : options.binary_search_paths) {
      auto real = fs.resolve_driver_path(dir + "/" + std::string(bin.name));
      if (!real || !fs.is_executable(*real)) continue;
      const std::string host = fs.driver_host_path(*real);
      if (!is_elf_file(host)) {
        if (std::find(rejected.begin(), rejected.end(), host) == rejected.end())
          inv.warnings.push_back("skipping `" + host + "`: not an ELF executable (a wrapper script?)");
        rejected.push_back(host);
        continue;
      }
      inv.binaries.push_back({std::string(bin.name), bin.capability, *real, host});
      break;
    }
  }
}

} // namespace

Result<Inventory> discover(const HostFs& fs, const DiscoverOptions& options) {
  Inventory inv;
  auto version_file = fs.read_proc("driver/nvidia/version");
  if (!version_file) return inv; // no driver: nothing else to find
  auto version = parse_driver_version(*version_file);
  if (!version) return fail(Errc::driver_missing, "read driver version: unrecognised /proc/driver/nvidia/version");
  inv.driver_version = *version;
  NVRUNC_TRY(gpus, discover_gpus(fs, inv.warnings));
  inv.gpus = std::move(gpus);
  if (auto r = discover_control_nodes(fs, inv); !r) return fail(std::move(r.error()));
  if (auto r = discover_libraries(fs, options, inv); !r) return fail(std::move(r.error()));
  discover_binaries(fs, options, inv);
  return inv;
}

} // namespace nvrunc::discover
