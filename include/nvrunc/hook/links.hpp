// The SONAME and development symlinks of injected libraries, created inside the container rootfs.
//
// `--link /usr/lib/x86_64-linux-gnu/libcuda.so.1=libcuda.so.550.54.15` becomes a symlink at the
// container path (left of "=") whose content is the text on the right, stored verbatim and never
// followed by us. The link's parent directory is resolved inside the root (os::RootDir), so links in
// the image such as `/usr/lib/x86_64-linux-gnu -> /usr/lib` or `-> /host/...` stay inside it
// (CVE-2024-0134: the toolkit's create-symlinks hook escaped the root). The links are a convenience:
// ldconfig and dlopen by SONAME work without the `.so` dev link, so a link that cannot be made is a
// warning, never a failed container (toolkit issues #772, #795).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/common/error.hpp"
#include "nvrunc/os/rooted.hpp"

namespace nvrunc::hook {

struct Link {
  std::string path;   // absolute path inside the container
  std::string target; // the symlink's content
  bool operator==(const Link&) const = default;
};

// Parses and validates "LINK=TARGET" (split at the first "="): LINK absolute, no ".." component, not
// "/"; TARGET non-empty; no NUL or newline in either.
Result<Link> parse_link(std::string_view spec);

// `s` fit for a one-line message: control characters (newline, NUL, ...) written as \xNN.
std::string printable(std::string_view s);

// Creates or atomically replaces each link; an existing link with the right target is left alone.
// Missing parent directories are created (0755). Returns one warning line per link that could not be
// made (a directory or a mount point in the way, a read-only image, ...).
std::vector<std::string> create_links(const os::RootDir& root, const std::vector<Link>& links);

} // namespace nvrunc::hook
