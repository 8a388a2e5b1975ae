// Listing a directory that is already open (for example one opened inside a container rootfs with
// RootDir::open_at): no path is looked up, so nothing can be redirected.
#pragma once

#include <string>
#include <vector>

#include "nvrunc/common/error.hpp"

namespace nvrunc::os {

// The entry names of the directory open at `dirfd` (not closed), sorted, without "." and "..".
Result<std::vector<std::string>> read_dir_names(int dirfd);

// The same for a directory descriptor opened for reading (O_RDONLY|O_DIRECTORY), read from its
// current offset on.
Result<std::vector<std::string>> read_open_dir(int fd);

} // namespace nvrunc::os
