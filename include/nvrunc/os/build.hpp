// Building trees on the host (the simulated GPU node): each call creates missing parent
// directories and replaces what is at the path. For paths nvrunc owns, never for a container rootfs
// (that is os/rooted.hpp).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>

#include "nvrunc/common/error.hpp"

namespace nvrunc::os {

Result<void> make_dirs(const std::string& path);
Result<void> write_new_file(const std::string& path, std::string_view content, mode_t mode = 0644);
Result<void> make_symlink(const std::string& target, const std::string& link);
Result<void> make_char_node(const std::string& path, unsigned major, unsigned minor, mode_t mode, gid_t gid);

// A UNIX socket file at `path`, left behind by binding a socket to it and closing the socket (as a
// daemon that is not running would leave it). Paths longer than sun_path are bound through
// /proc/self/fd/<dir fd>/<name>.
Result<void> make_socket_file(const std::string& path, mode_t mode);

// The host's gid of `name` (video, render), if the group exists.
std::optional<unsigned> host_group(const char* name);

} // namespace nvrunc::os
