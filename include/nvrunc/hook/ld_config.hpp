// The container's dynamic-linker configuration for injected libraries.
//
// 1. `/etc/ld.so.conf.d/00-nvrunc.conf` lists the library directories (one per line, in order; "00"
//    sorts it before the image's own fragments), and `/etc/ld.so.conf` is created with
//    `include /etc/ld.so.conf.d/*.conf` when the image has none (busybox, distroless). Both 0644,
//    written atomically, inside the root (os::RootDir).
// 2. The cache is rebuilt by the HOST ldconfig (never the image's: CVE-2024-0136/0137), as
//    `ldconfig -f /etc/ld.so.conf -C /etc/ld.so.cache <dirs>` chrooted into the rootfs, run through
//    os::run_sandboxed with the policy below. Ubuntu's /sbin/ldconfig is a shell wrapper around
//    /sbin/ldconfig.real: the `.real` binary is preferred when it exists, and a script is refused.
// 3. 32-bit libraries: the 64-bit and the 32-bit directory (/usr/lib/x86_64-linux-gnu and
//    /usr/lib/i386-linux-gnu, or /usr/lib64 and /usr/lib32) go into the same fragment and the same
//    run. The host's x86-64 ldconfig reads ELF32 objects too and files them as `libc6` (i386) beside
//    the `libc6,x86-64` entries; each loader only takes its own ABI's entries, so one SONAME may be
//    in both directories. A listed directory the image lacks is skipped by ldconfig.
// musl images do not use any of this (musl.hpp).
#pragma once

#include <string>
#include <vector>

#include "nvrunc/common/error.hpp"
#include "nvrunc/os/rooted.hpp"
#include "nvrunc/os/sandbox.hpp"

namespace nvrunc::hook {

inline constexpr std::string_view ld_conf_fragment = "/etc/ld.so.conf.d/00-nvrunc.conf";

// Writes the fragment (and /etc/ld.so.conf if missing), creating /etc and /etc/ld.so.conf.d (0755).
Result<void> write_ld_conf(const os::RootDir& root, const std::vector<std::string>& library_dirs);


// The sandbox policy for a static glibc ldconfig (see ld_config.cpp for how it was derived).
const std::vector<std::string>& ldconfig_syscalls();
std::vector<int> ldconfig_capabilities();
std::vector<os::SandboxLimit> ldconfig_limits();

// Opens the host ldconfig, then runs it chrooted into `root` with the policy above. Fails with the
// program's exit status and the first line of its output when it does not succeed.
Result<void> run_ldconfig(const os::RootDir& root, const std::string& ldconfig,
                          const std::vector<std::string>& library_dirs);

} // namespace nvrunc::hook
