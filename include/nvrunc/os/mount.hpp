// Mounting a small file of nvrunc's own making over a file inside a container, with the new mount
// API (fsopen, fsconfig, fsmount, open_tree, move_mount; Linux 5.2).
//
// Promises: no path string is resolved by the kernel on our behalf (the target is a descriptor the
// caller resolved inside the root, and every mount call is descriptor-relative), and no scratch file,
// directory or mount ever appears in the container: the file lives in a private tmpfs that is never
// attached anywhere but over the target. That tmpfs is detached (fsmount), size-limited, mode 0555,
// shows as `tmpfs nvrunc` in mountinfo; once the file is written the superblock is remounted
// read-only, and the bind that lands on the target is `ro,nosuid,nodev,noexec`.
//
// Cloning one file out of a detached mount (open_tree(OPEN_TREE_CLONE) on an fsmount descriptor) is
// allowed from Linux 6.15; older kernels answer EINVAL. There, a forked child unshares its mount
// namespace, makes its "/" private, attaches the tmpfs on it (visible in that child's namespace
// only), clones the file and hands the clone back over a socket (SCM_RIGHTS); the clone is a detached
// tree that move_mount may attach in the caller's namespace. So the whole thing needs Linux 5.2 and
// CAP_SYS_ADMIN over the caller's mount namespace.
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

#include "nvrunc/common/error.hpp"

namespace nvrunc::os {

// How the file is cloned out of the private tmpfs. `automatic` tries the direct clone first and uses
// the child's namespace when the kernel refuses it; tests force `private_namespace`.
enum class CloneVia { automatic, private_namespace };

struct MemoryFile {
  std::string name;     // a plain name inside the private tmpfs (the mount's root in mountinfo)
  std::string content;  // at most max_memory_file_size bytes
  mode_t mode = 0444;
};

inline constexpr size_t max_memory_file_size = 1u << 20;

// Mounts a read-only regular file holding `file.content` over `target_fd`, which must be a regular
// file (any open descriptor of it, O_PATH included). The mount is made in the caller's mount
// namespace and follows the propagation of the target's parent mount, like any bind.
// Errors: Errc::unsupported (the kernel lacks the mount API, or the target is not a regular file),
// Errc::invalid_argument (a bad name or an oversized content), Errc::io with the errno otherwise
// (EPERM: CAP_SYS_ADMIN is missing). The message names the step that failed.
Result<void> mount_memory_file(const MemoryFile& file, int target_fd, CloneVia via = CloneVia::automatic);

} // namespace nvrunc::os
