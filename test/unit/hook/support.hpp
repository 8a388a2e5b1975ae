// Helpers for the hook's tests, on top of the shared ones.
#pragma once

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

} // namespace nvrunc::test
