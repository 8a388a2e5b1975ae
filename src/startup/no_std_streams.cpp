// Linked into binaries built with nvrunc_executable(... NO_STD_STREAMS) (cmake/NvruncTargets.cmake),
// together with `-Wl,--wrap` of std::ios_base::Init's constructor and destructor: every reference
// to them lands here, so the eight standard stream objects (std::cout, std::cerr, ...) and the
// classic locale are not built before main.
//
// Why: yaml-cpp's sources include <iostream> without using the standard streams, and each such
// translation unit runs `static std::ios_base::Init` at start-up. In nvrunc that cost ~80 us and
// 250 KiB of resident memory on every runc command containerd sends (state, kill, delete...),
// for streams it never writes to. String streams still work: they build the locale on first use.
//
// Safe only while nothing in the binary uses a standard stream; cmake/CheckNoStdStreams.cmake
// fails the build of such a binary if one is linked in (their storage comes with any use). Only
// for libstdc++ before 13 (cmake/NvruncTargets.cmake checks): from 13 on, <iostream> no longer
// defines a per-file initializer, and the library builds the streams itself.
extern "C" {
void __wrap__ZNSt8ios_base4InitC1Ev(void*) {} // std::ios_base::Init::Init()
void __wrap__ZNSt8ios_base4InitD1Ev(void*) {} // std::ios_base::Init::~Init()
}
