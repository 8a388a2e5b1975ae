// Helpers for the hook's tests, on top of the shared ones.
#pragma once

#include <sched.h>
#include <sys/mount.h>

#include <set>

#include "../test_util.hpp"

namespace nvrunc::test {

// Every entry below `dir` (relative paths), symlinks not followed.
inline std::set<std::string> tree(const fs::path& dir) {
  std::set<std::string> out;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator(); ++it)
    out.insert(fs::relative(it->path(), dir).string());
  return out;
}

// Moves this (single-threaded) test process into a mount namespace of its own whose mounts are all
// private, as runc's container namespace is to the host: what a test mounts stays in it and ends
// with the process. Root only; false when it is not allowed.
inline bool enter_private_mount_namespace() {
  static const bool entered = ::unshare(CLONE_NEWNS) == 0 &&
                              ::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0;
  return entered;
}

// The lines of /proc/self/mountinfo whose mount point is `path` (no spaces in test paths, so the
// \040 escaping does not matter), in mount order: the last one is what a lookup sees.
inline std::vector<std::string> mounts_at(const fs::path& path) {
  std::vector<std::string> out;
  for (const auto& line : split_lines(read_file("/proc/self/mountinfo"))) {
    std::stringstream ss(line);
    std::string id, parent, dev, root, mount_point;
    ss >> id >> parent >> dev >> root >> mount_point;
    if (mount_point == path.string()) out.push_back(line);
  }
  return out;
}

// How many mounts in this namespace come from os::mount_memory_file (its tmpfs has source nvrunc).
inline size_t nvrunc_tmpfs_mounts() {
  size_t n = 0;
  for (const auto& line : split_lines(read_file("/proc/self/mountinfo")))
    if (line.find(" - tmpfs nvrunc ") != std::string::npos) ++n;
  return n;
}

} // namespace nvrunc::test
