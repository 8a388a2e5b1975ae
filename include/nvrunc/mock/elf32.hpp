// A minimal 32-bit x86 (ELFCLASS32, EM_386) shared object, written byte by byte: the simulated
// node's --compat32 libraries, made without a multilib compiler. What `ldconfig` needs to index it
// as a `libc6` i386 library (flags 0x0003 in the cache: DT_NEEDED libc.so.6 is what classifies it),
// what `readelf -d` and discovery read (DT_SONAME through PT_DYNAMIC and the PT_LOAD mapping of
// DT_STRTAB), section headers for `file` and `readelf -S`, and the GNU ABI note real driver
// libraries carry (libnvidia-container checks libnvidia-tls' for 2.3.99). Nothing loads it: it has
// no code and exports no symbol.
#pragma once

#include <string>
#include <string_view>

namespace nvrunc::mock {

// The image of a shared object with DT_SONAME `soname` and DT_NEEDED libc.so.6.
std::string make_elf32_library(std::string_view soname);

} // namespace nvrunc::mock
