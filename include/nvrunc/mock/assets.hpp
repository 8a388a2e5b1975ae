// The simulated driver's binaries, embedded in nvrunc at build time (src/mock/assets), and the two
// patches that turn one built file into many node files:
//
// - SONAME: the libraries are linked with a placeholder SONAME; patch_soname overwrites it (in
//   .dynstr) with the real one, NUL-padded, so ldconfig and the loader see e.g. libcuda.so.1.
// - Description: the driver library holds a large char array that starts with a marker;
//   patch_description writes the node's description there (format: src/mock/assets/mock_driver.c),
//   so the library answers the same wherever it is mounted.
//
// Both patches require their marker to occur exactly once and never change the file size.
#pragma once

#include <string>
#include <string_view>

#include "nvrunc/common/error.hpp"

namespace nvrunc::mock {

enum class Asset {
  driver_library, // libnvidia-ml.so.<V> and libcuda.so.<V>: NVML and CUDA subsets
  stub_library,   // every other driver library
  smi_binary,     // nvidia-smi and the other driver binaries (multi-call)
};

// The built file, as embedded.
std::string_view asset_bytes(Asset asset);

// The placeholder SONAME the libraries are linked with, and the longest SONAME that fits.
std::string_view soname_placeholder();
// The marker at the start of the description array, and the array's size (text + NUL must fit).
std::string_view description_marker();
size_t description_capacity();

// Returns a copy of the ELF image `image` whose SONAME placeholder is replaced by `soname`.
// Fails (Errc::invalid_argument) when `soname` is too long or has a NUL, and (Errc::internal) when the
// placeholder does not occur exactly once.
Result<std::string> patch_soname(std::string_view image, std::string_view soname);

// Returns a copy of the driver library `image` with `text` in its description array.
Result<std::string> patch_description(std::string_view image, std::string_view text);

// The DT_SONAME of a 64-bit little-endian ELF image, read from its dynamic section; "" when it has
// none. Fails (Errc::invalid_argument) when the image is not such an ELF file or is malformed.
Result<std::string> read_soname(std::string_view image);

} // namespace nvrunc::mock
