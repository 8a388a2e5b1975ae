// Replacing the process image, and finding executables.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

#include "nvrunc/common/error.hpp"
#include "nvrunc/os/file.hpp"

namespace nvrunc::os {

// execve(path, argv, environ). Returns only on failure.
Error exec_program(const std::string& path, const std::vector<std::string>& argv);

// The absolute path of the running executable (/proc/self/exe), "" if unknown.
std::string self_executable();
// The running executable's identity (a stat of /proc/self/exe, which holds even when its path has
// been replaced since), read once; nullopt if unknown.
std::optional<FileId> self_identity();

// Looks a bare name up in the directories of `search_path` ("a:b:c"); absolute or relative paths
// containing "/" are checked as they are. Returns "" when nothing executable is found; the found
// file's identity into `id` when one is given.
std::string find_executable(const std::string& name, const std::string& search_path, FileId* id = nullptr);

// Whether two paths name the same file (same device and inode).
bool same_file(const std::string& a, const std::string& b);

// A time limit for messages: "300 ms", or "90 s" when it is whole seconds.
std::string duration_text(std::chrono::milliseconds limit);

// Waits for the child `pid` until `deadline`. `exited`: its wait status is in `status`; `failed`:
// it cannot be waited for (errno says why; ECHILD when the caller's parent ignores SIGCHLD and the
// kernel reaped it). Its end is seen on a pidfd (Linux 5.3), else by naps from 50 us to 2 ms.
enum class Waited { exited, timed_out, failed };
Waited wait_for_exit(pid_t pid, int& status, std::chrono::steady_clock::time_point deadline);

// Runs argv[0] (a path) with the environment `env` (never the caller's: no LD_PRELOAD reaches a
// helper), stdin on /dev/null and no other inherited descriptor; returns its stdout. Fails when it
// cannot be started, writes more than `max_output` bytes, or does not exit 0 (with SIGCHLD ignored
// its status is unknown: the output is returned, for the caller to validate); the message names the
// program and has the exit status and the first line of its stderr. A helper that has not exited
// `timeout` after the start is killed (SIGKILL, not waited for: one stuck in a driver call dies only
// when the call returns) and the call fails.
Result<std::string> capture_program(const std::vector<std::string>& argv, const std::vector<std::string>& env,
                                    size_t max_output, std::chrono::milliseconds timeout);

// The host ldconfig to run for `path`: `<path>.real` when it exists (Ubuntu's /sbin/ldconfig is a
// shell-script wrapper around ldconfig.real), else `path`.
std::string resolve_host_ldconfig(const std::string& path);

} // namespace nvrunc::os
