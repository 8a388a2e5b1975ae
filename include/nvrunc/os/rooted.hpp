// File operations inside a directory tree we do not trust (a container rootfs).
//
// Every path is resolved relative to the opened root with the semantics of openat2's
// RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS: absolute symlinks and ".." are clamped to the root, so no
// lookup can leave it, whatever the image contains (`/etc -> /host/etc`, `../../..` climbs, links to
// the host path of the rootfs itself); /proc-style magic links are refused. The path string is never
// re-resolved after a check (no TOCTOU, CVE-2024-0132): callers work on the returned descriptors, and
// every creation (mkdirat, symlinkat, openat O_EXCL, renameat) names one plain component relative to
// a directory descriptor that was itself resolved inside the root.
// On kernels without openat2 (< 5.6) a user-space walk gives the same semantics: one component at a
// time with O_PATH|O_NOFOLLOW, symlinks read from the descriptor just opened, ".." answered from the
// walk's own stack of descriptors (never the kernel's ".."), so it cannot climb above the root.
#pragma once

#include <sys/stat.h>
#include <sys/types.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "nvrunc/common/error.hpp"
#include "nvrunc/os/unique_fd.hpp"

namespace nvrunc::os {

// How lookups are done. `automatic` uses openat2 when the kernel has it; `walk` forces the user-space
// resolver (tests run every hostile-tree case with both).
enum class Resolver { automatic, walk };

class RootDir {
public:
  // Opens a host directory (trusted: it comes from the bundle's config.json) that will act as "/"
  // for every later lookup.
  static Result<RootDir> open(const std::string& host_path, Resolver resolver = Resolver::automatic);

  int fd() const { return m_fd.get(); }
  const std::string& host_path() const { return m_path; }

  // Opens `path` (interpreted inside the root; a leading "/" is optional) with open(2) `flags`.
  // O_CREAT creates only the final component; its parent must exist. With O_NOFOLLOW a final
  // symlink is not followed (O_PATH|O_NOFOLLOW opens the link itself).
  // Errors: Errc::not_found (ENOENT), Errc::unsafe_path (ELOOP, EXDEV: a magic link or a loop),
  // Errc::io otherwise.
  Result<UniqueFd> open_at(std::string_view path, int flags, mode_t mode = 0) const;

  // Whether `path` exists inside the root (symlinks followed, inside the root).
  Result<bool> exists(std::string_view path) const;

  // stat(2) of `path` inside the root, following symlinks inside the root.
  Result<struct stat> stat(std::string_view path) const;

  // Creates `dir` and any missing parents (each with exactly `mode`, as mkdir -p), one component at a
  // time: mkdirat relative to the descriptor of the previous component, which the walk resolved
  // inside the root. Symlinks on the way are followed inside the root; a dangling one (`/etc ->
  // /host/etc`) gets its target created inside the root. Returns an O_PATH|O_DIRECTORY descriptor.
  Result<UniqueFd> mkdir_all(std::string_view dir, mode_t mode) const;

  // Makes `link_path` a symlink whose content is `target` (stored verbatim, never resolved here).
  // The parent directory must exist; it is resolved inside the root. An existing symlink or file is
  // replaced atomically (symlinkat to a temporary name, then renameat over the final name in the same
  // directory descriptor). Returns false when the link already had exactly this target (untouched).
  // Fails with Errc::unsupported when `link_path` is a directory, EBUSY for a mount point.
  Result<bool> replace_symlink(std::string_view link_path, std::string_view target) const;
  // The same for the entry `name` (one plain component) of `dir`, a directory descriptor this root
  // resolved (mkdir_all's, or open_at's with O_DIRECTORY) at the in-root path `dir_path` (for
  // messages): many links in one directory then resolve it once.
  Result<bool> replace_symlink_in(const UniqueFd& dir, std::string_view dir_path, std::string_view name,
                                  std::string_view target) const;

  // Atomically replaces the file at `path` with `content`: a temporary file created with O_EXCL in the
  // in-root parent directory, fchmod `mode`, renameat. A regular file that already has exactly this
  // content and mode is left alone. Not synced to disk: this writes into container rootfses, which
  // need no crash durability (the hook writes again at every create of a container), and the two
  // fsyncs cost ~2 ms on a disk-backed rootfs.
  Result<void> write_file(std::string_view path, std::string_view content, mode_t mode) const;

  // The content of the regular file at `path` (symlinks followed inside the root). Anything else (a
  // FIFO, a device, a directory) is refused with Errc::unsupported without being opened, and more
  // than `limit` bytes is Errc::invalid_argument. Errc::not_found when it does not exist.
  Result<std::string> read_file(std::string_view path, size_t limit) const;

private:
  RootDir(UniqueFd fd, std::string path, Resolver resolver)
      : m_fd(std::move(fd)), m_path(std::move(path)), m_resolver(resolver) {}

  // The in-root directory that holds the last component of `path`, and that component's name
  // (never "", "." or ".."). Fails with invalid_argument for paths without such a name.
  Result<std::pair<UniqueFd, std::string>> open_parent(std::string_view path) const;

  UniqueFd m_fd;
  std::string m_path;
  Resolver m_resolver;
};

// Reads `fd` from its current offset to EOF (procfs files report size 0, so this never trusts
// st_size); more than `limit` bytes is Errc::invalid_argument.
Result<std::string> read_fd(int fd, size_t limit);

// The components of `path` split on "/", without empty and "." components ("..": kept).
std::vector<std::string> path_components(std::string_view path);

} // namespace nvrunc::os
