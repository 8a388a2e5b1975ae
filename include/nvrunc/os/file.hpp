// Plain file I/O on host paths that nvrunc trusts (bundle, config, driver root). Paths inside a
// container rootfs go through os/rooted.hpp instead.
#pragma once

#include <sys/types.h>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "nvrunc/common/error.hpp"

namespace nvrunc::os {

// Reads a whole file. Fails with Errc::not_found when it does not exist, Errc::io otherwise.
// `limit` guards against absurd inputs (a config.json of gigabytes is an attack, not a spec).
inline constexpr size_t default_read_limit = 64u << 20;
Result<std::string> read_file(const std::string& path, size_t limit = default_read_limit);
// The same for a file already open for reading (not closed); `path` names it in errors.
// `size`: the regular file's size as the caller's own fstat of `fd` gave it (saves an fstat here).
// When a read brings exactly that size, that is the whole file as the fstat saw it.
Result<std::string> read_open_file(int fd, const std::string& path, size_t limit,
                                   std::optional<size_t> size = std::nullopt);

struct WriteOptions {
  mode_t mode = 0644;
  std::optional<uid_t> uid; // keep the owner of the file being replaced
  std::optional<gid_t> gid;
  // false: the new content need not outlive a crash, the old one is as good (the rename is then
  // not synced, which on a disk is a second wait for the journal). Either way never a mix of both.
  bool durable = true;
};

// Replaces `path` atomically: writes a temporary file in the same directory, fsyncs it, renames it
// over `path` and, when `durable`, fsyncs the directory. A crash leaves either the old or the new
// content, never a mix and never an empty file.
Result<void> write_file_atomic(const std::string& path, std::string_view content, const WriteOptions& options);
// The same, the content written by `write` into the descriptor it is given (the temporary file,
// opened for writing), so that it never has to exist whole in memory. `write` may be called a
// second time, with a new descriptor, when the first temporary file cannot be used.
using ContentWriter = std::function<Result<void>(int fd)>;
Result<void> write_file_atomic_with(const std::string& path, const ContentWriter& write, const WriteOptions& options);
// Writes all of `data` to `fd` (retrying short writes and EINTR); `what` names the file in errors.
Result<void> write_all(int fd, std::string_view data, const std::string& what);

// Appends to a file created with 0644 if needed (O_APPEND: concurrent writers do not interleave lines).
Result<void> append_file(const std::string& path, std::string_view content);

bool path_exists(const std::string& path);

// Creates (or replaces) a character device node with exactly `mode`. Needs CAP_MKNOD: without it
// the error says that root is needed.
Result<void> make_char_device(const std::string& path, unsigned major, unsigned minor, mode_t mode);
// A file's identity: the device and inode stat(2) gives.
struct FileId {
  dev_t dev = 0;
  ino_t ino = 0;
  bool operator==(const FileId&) const = default;
};
// Whether `path` is a regular file we may execute; its identity into `id` when one is given.
bool is_executable_file(const std::string& path, FileId* id = nullptr);

// Joins a root prefix and an absolute path: join_root("/mock", "/dev/nvidia0") = "/mock/dev/nvidia0";
// a root of "" or "/" returns the path unchanged.
std::string join_root(std::string_view root, std::string_view path);

// Lexically normalises an absolute path ("//a/./b/" -> "/a/b"); ".." is kept as is.
std::string clean_path(std::string_view path);

} // namespace nvrunc::os
