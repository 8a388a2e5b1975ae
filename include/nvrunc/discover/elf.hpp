// Minimal ELF reading: the SONAME (DT_SONAME, through PT_DYNAMIC and the PT_LOAD mapping of its
// string table), from a file with a few pread(2) calls (a 90 MB libcuda is never read whole) or from
// an image in memory. 32- and 64-bit little-endian objects; every offset is bounds-checked.
#pragma once

#include <string>
#include <string_view>

#include "nvrunc/common/error.hpp"

namespace nvrunc::discover {

// The DT_SONAME of the shared object at `host_path`, "" if it has none.
// Fails (Errc::invalid_argument) when the file is not a well-formed ELF shared object.
Result<std::string> read_soname(const std::string& host_path);

// The same for an ELF image held in memory.
Result<std::string> read_soname_from_image(std::string_view image);

// Whether the file starts with the ELF magic. Driver binaries must be ELF: a wrapper script
// (`exec /usr/local/nvidia/bin/nvidia-smi`) would run inside the container, where its target
// does not exist.
bool is_elf_file(const std::string& host_path);

} // namespace nvrunc::discover
