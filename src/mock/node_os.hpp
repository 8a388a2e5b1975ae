// File-system primitives of the node builder (private to nvrunc_mock). Each creates missing parent
// directories and replaces what is at the path. The raw system calls here (symlink, socket/bind,
// chown) belong in src/os/ by the house rules; they stay here until os/ offers them.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "nvrunc/common/error.hpp"

namespace nvrunc::mock::detail {

Result<void> make_dirs(const std::string& path);
Result<void> write_file(const std::string& path, std::string_view content, mode_t mode = 0644);
Result<void> make_symlink(const std::string& target, const std::string& link);
Result<void> make_char_node(const std::string& path, unsigned major, unsigned minor, mode_t mode, gid_t gid);

// A UNIX socket file at `path`, left behind by binding a socket to it and closing the socket (as a
// daemon that is not running would leave it). Paths longer than sun_path are bound through
// /proc/self/fd/<dir fd>/<name>.
Result<void> make_socket_file(const std::string& path, mode_t mode);

// The host's gid of `name` (video, render), if the group exists.
std::optional<unsigned> host_group(const char* name);

} // namespace nvrunc::mock::detail
