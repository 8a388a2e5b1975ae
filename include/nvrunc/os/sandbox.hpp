// Running a trusted host program inside an untrusted tree (the host ldconfig in a container rootfs).
//
// The program is an already-opened descriptor, executed with execveat(AT_EMPTY_PATH): it is never
// looked up by name once the child is chrooted, so the image cannot substitute its own binary
// (CVE-2024-0136/0137 ran the container's ldconfig). Before anything runs it must be a statically
// linked ELF: a `#!` script's interpreter, or a dynamic binary's PT_INTERP loader, would be resolved
// inside the container and run image code as root.
//
// The child, in this order: stdin from /dev/null, stdout+stderr into a pipe the parent collects (so the
// caller decides what reaches the user); new IPC and UTS namespaces when unshare allows it
// (best effort: nested or rootless setups refuse); rlimits; every inherited descriptor close-on-exec;
// fchdir + chroot(".") into the root descriptor; the capability bounding set, ambient set and
// inheritable set cleared and the effective/permitted sets cut to `keep_caps` (as root, execve grants
// the bounding set, so cutting it is what limits the program); PR_SET_NO_NEW_PRIVS; a seccomp
// allow-list whose default action kills the process (SIGSYS); an empty environment. The parent kills
// the child when `timeout` expires.
//
// Capabilities are kept for uid 0 only (the hook runs as the container's root); the caller is
// expected to hold CAP_SYS_CHROOT and CAP_SETPCAP (root on the host or in the container's user ns).
#pragma once

#include <sys/resource.h>

#include <chrono>
#include <string>
#include <vector>

#include "nvrunc/common/error.hpp"

namespace nvrunc::os {

struct SandboxLimit {
  int resource; // RLIMIT_*
  rlim_t value; // soft and hard
};

struct SandboxSpec {
  int executable_fd = -1;          // opened on the host (O_RDONLY) before anything is chrooted
  std::string executable_name;     // for messages only
  std::vector<std::string> argv;   // argv[0] included
  int root_fd = -1;                // the directory to chroot into
  std::vector<int> keep_caps;      // CAP_* values kept in the effective, permitted and bounding sets
  std::vector<std::string> allowed_syscalls; // seccomp allow-list by name; names this arch lacks are skipped
  std::vector<SandboxLimit> limits;
  bool new_namespaces = true;      // unshare IPC and UTS (best effort; sockets are denied by seccomp)
  std::chrono::milliseconds timeout{20000};
  size_t output_limit = 64 * 1024; // bytes of stdout+stderr kept (the rest is read and dropped)
};

struct SandboxResult {
  int wait_status = 0;             // as from waitpid
  bool timed_out = false;          // killed by us after `timeout`
  std::chrono::milliseconds timeout{};
  std::string output;              // stdout and stderr, interleaved, truncated to output_limit

  bool succeeded() const;          // exited with status 0
  // "exited with status 1", "killed by signal 31 (SIGSYS: a forbidden system call)", "timed out after 20 s".
  std::string describe() const;
};

// Fails (Errc::unsupported, naming the file) unless `fd` is an ELF file of this machine's class
// without a PT_INTERP program header (static or static-pie).
Result<void> check_static_elf(int fd, const std::string& name);

// Runs the program as described above and waits for it. An Error means it could not be started
// (bad executable, bad syscall list, fork or a setup step in the child failed: the message names the
// step); a program that ran and failed is a SandboxResult with succeeded() == false.
Result<SandboxResult> run_sandboxed(const SandboxSpec& spec);

} // namespace nvrunc::os
