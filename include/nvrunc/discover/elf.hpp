// Minimal ELF reading for driver libraries on the host: the SONAME (DT_SONAME), read with a few
// pread(2) calls (a 90 MB libcuda is never read whole). 32- and 64-bit little-endian objects.
#pragma once

#include <string>

#include "nvrunc/common/error.hpp"

namespace nvrunc::discover {

// The DT_SONAME of the shared object at `host_path`, "" if it has none.
// Fails (Errc::invalid_argument) when the file is not a well-formed ELF shared object.
Result<std::string> read_soname(const std::string& host_path);

// Whether the file starts with the ELF magic. Driver binaries must be ELF: a wrapper script
// (`exec /usr/local/nvidia/bin/nvidia-smi`) would run inside the container, where its target
// does not exist.
bool is_elf_file(const std::string& host_path);

} // namespace nvrunc::discover
