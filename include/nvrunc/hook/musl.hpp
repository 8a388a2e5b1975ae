// The dynamic-linker configuration of musl images (Alpine; reference §8.1 #8, toolkit §4.3).
//
// musl's loader ignores /etc/ld.so.cache and /etc/ld.so.conf: it reads `/etc/ld-musl-<arch>.path`,
// directories separated by newlines or colons, and without that file searches only
// /lib:/usr/local/lib:/usr/lib. An image is taken for musl when `/etc/alpine-release` exists inside
// the root (as the toolkit does). For such an image the hook appends the injected library
// directories that the file does not list yet, one per line, keeping the existing content and its
// order; a file created from scratch starts with musl's three defaults so the image's own libraries
// still resolve. It is written atomically inside the root (os::RootDir::write_file), and not at all
// when nothing is missing. glibc's ld.so.conf fragment and ldconfig mean nothing to musl and are
// skipped; the links are still made.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/common/error.hpp"
#include "nvrunc/os/rooted.hpp"

namespace nvrunc::hook {

inline constexpr std::string_view alpine_release = "/etc/alpine-release";
inline constexpr std::string_view musl_default_path = "/lib\n/usr/local/lib\n/usr/lib\n";
inline constexpr size_t max_musl_path_size = 64 * 1024;

// musl's name for the architecture this hook was built for ("x86_64", "aarch64", ...); "" when
// unknown.
std::string_view musl_arch();

// "/etc/ld-musl-<arch>.path".
std::string musl_path_file(std::string_view arch = musl_arch());

// Whether /etc/alpine-release exists inside the root.
Result<bool> is_musl_image(const os::RootDir& root);

// The new content of the path file: `existing` (nullopt: no file) with the directories of
// `library_dirs` that it does not list appended. nullopt when nothing is missing.
std::optional<std::string> merge_musl_path(const std::optional<std::string>& existing,
                                           const std::vector<std::string>& library_dirs);

// Reads, merges and (when needed) rewrites the path file with mode 0644.
Result<void> write_musl_path(const os::RootDir& root, const std::vector<std::string>& library_dirs);

} // namespace nvrunc::hook
