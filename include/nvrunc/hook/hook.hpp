// nvrunc-hook: the createContainer hook. runc runs it inside the container's mount namespace, after
// the mounts and before pivot_root, as root, with the OCI state on stdin.
//
// Contract: success prints nothing on stdout and exits 0 (warnings, one line each, go to stderr);
// failure writes exactly one line `nvrunc-hook: <message>` to stderr (runc embeds it in its error)
// and exits 1; an unknown subcommand warns and exits 0.
//
// It never trusts its environment. CVE-2025-23266 ("NVIDIAScape"): runc gives a createContainer hook
// with an empty `env` the container's environment, and the image's LD_PRELOAD then ran inside the
// toolkit's root hook. nvrunc always writes an explicit env for its hook; as defence in depth the hook
// refuses to work when its environment holds dynamic-loader variables (LD_*, GLIBC_TUNABLES), which
// means that protection is missing. That check runs after ld.so has already honoured them, so it
// makes the misconfiguration loud rather than undoing it; ldconfig itself always gets an empty env.
// Nothing from the rootfs is ever executed or dlopened.
//
// What create-container does, every path resolved inside the rootfs (os::RootDir):
// - the SONAME and `.so` links (links.hpp), for every --link: 64-bit and 32-bit directories alike;
//   a link that cannot be made is a warning;
// - glibc images: the ld.so.conf fragment listing every --library-dir, then the HOST ldconfig,
//   sandboxed, which indexes x86-64 and i386 objects alike (ld_config.hpp);
// - musl images (/etc/alpine-release): the missing directories appended to
//   /etc/ld-musl-<arch>.path instead, and no ldconfig (musl.hpp);
// - with --mask-params: /proc/driver/nvidia/params shown with `ModifyDeviceFiles: 0` through a
//   read-only in-memory bind (params.hpp); no file or nothing to mask is a no-op, a mount that
//   fails is a warning, never a failed container.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "nvrunc/common/error.hpp"
#include "nvrunc/hook/options.hpp"

namespace nvrunc::hook {

// Fails (Errc::unsupported) naming the first dynamic-loader variable found in `envp`.
Result<void> check_environment(const char* const* envp);

// The create-container subcommand: state from `stdin_fd`, links, then the glibc fragment and
// ldconfig or the musl path file, then the params mask. Returns the warning lines to print.
Result<std::vector<std::string>> create_container(const HookOptions& options, int stdin_fd);

// The whole command line: `args` excludes argv[0]. Returns the exit code.
int run_hook(const std::vector<std::string>& args, const char* const* envp, int stdin_fd, std::ostream& out,
             std::ostream& err);

} // namespace nvrunc::hook
