// The library files of a simulated node: the driver table (NVML and CUDA answered by the embedded
// driver library, the rest stubs), the extra graphics libraries, and the 32-bit companions (ELF32
// images made by elf32.cpp). SONAMEs are patched in and read back.
#include "node_libraries.hpp"

#include "nvrunc/os/build.hpp"
#include "nvrunc/mock/assets.hpp"
#include "nvrunc/mock/elf32.hpp"

namespace nvrunc::mock::detail {

namespace {

bool functional(const LibraryFile& lib) { return lib.prefix == "libnvidia-ml.so" || lib.prefix == "libcuda.so"; }

// Writes the file with `image` and, when `dev_link`, the development link lib….so -> SONAME.
// ldconfig makes the SONAME link later.
Result<void> write_library(const NodeFacts& node, const LibraryFile& lib, const std::string& image, bool dev_link) {
  NVRUNC_TRY(check, read_soname(image));
  if (check != lib.soname)
    return fail(Errc::internal, "patch soname of `" + lib.file + "`: reads back as `" + check + "`");
  const std::string dir = node.root + lib.dir;
  if (auto r = os::write_new_file(dir + "/" + lib.file, image, 0755); !r) return r;
  if (dev_link && !lib.prefix.empty()) return os::make_symlink(lib.soname, dir + "/" + lib.prefix);
  return {};
}

Result<void> write_patched(const NodeFacts& node, const LibraryFile& lib, std::string_view image, bool dev_link) {
  NVRUNC_TRY(patched, patch_soname(image, lib.soname));
  return write_library(node, lib, patched, dev_link);
}

} // namespace

Result<std::vector<std::string>> write_native_libraries(const NodeFacts& node) {
  NVRUNC_TRY(driver, patch_description(asset_bytes(Asset::driver_library), library_description(node)));
  std::vector<std::string> files;
  for (const auto& lib : native_libraries(node.driver_version)) {
    auto image = functional(lib) ? std::string_view(driver) : asset_bytes(Asset::stub_library);
    if (auto r = write_patched(node, lib, image, true); !r) return fail(std::move(r.error()));
    files.push_back(lib.file);
  }
  for (const auto& lib : extra_libraries(node.driver_version))
    if (auto r = write_patched(node, lib, asset_bytes(Asset::stub_library), false); !r) return fail(std::move(r.error()));
  return files;
}

Result<std::vector<std::string>> write_compat32_libraries(const NodeFacts& node) {
  std::vector<std::string> files;
  if (!node.features.compat32) return files;
  for (const auto& lib : compat32_libraries(node.driver_version)) {
    if (auto r = write_library(node, lib, make_elf32_library(lib.soname), true); !r) return fail(std::move(r.error()));
    files.push_back(lib.file);
  }
  return files;
}

} // namespace nvrunc::mock::detail
