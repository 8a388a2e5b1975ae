#include "nvrunc/hook/links.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cstdio>
#include <map>

namespace nvrunc::hook {

namespace {

constexpr size_t max_path = 4096; // PATH_MAX: anything longer cannot be created anyway

bool has_control(std::string_view s) {
  return s.find('\0') != std::string_view::npos || s.find('\n') != std::string_view::npos;
}

std::string parent_of(const std::string& path) {
  auto slash = path.find_last_of('/');
  return slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
}

std::string name_of(const std::string& path) { return path.substr(path.find_last_of('/') + 1); }

} // namespace

std::string printable(std::string_view s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c != 0x7f) {
      out += static_cast<char>(c);
      continue;
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\x%02x", c);
    out += buf;
  }
  return out;
}

Result<Link> parse_link(std::string_view spec) {
  const std::string what = "parse link `" + printable(spec) + "`";
  auto eq = spec.find('=');
  if (eq == std::string_view::npos) return fail(Errc::invalid_argument, what + ": expected LINK=TARGET");
  Link link{std::string(spec.substr(0, eq)), std::string(spec.substr(eq + 1))};
  if (link.path.empty() || link.path.front() != '/')
    return fail(Errc::invalid_argument, what + ": the link must be an absolute container path");
  auto parts = os::path_components(link.path);
  if (parts.empty()) return fail(Errc::invalid_argument, what + ": the link cannot be `/`");
  if (std::find(parts.begin(), parts.end(), "..") != parts.end())
    return fail(Errc::invalid_argument, what + ": the link must not contain `..`");
  if (link.target.empty()) return fail(Errc::invalid_argument, what + ": the target is empty");
  if (has_control(link.path) || has_control(link.target) || spec.size() > 2 * max_path)
    return fail(Errc::invalid_argument, what + ": NUL, newline or overlong path");
  return link;
}

std::vector<std::string> create_links(const os::RootDir& root, const std::vector<Link>& links) {
  std::vector<std::string> warnings;
  // Each parent directory is made or found once, and its descriptor holds all of its links:
  // resolving it again for every link cost about 15 system calls each (66 links on a full driver).
  std::map<std::string, Result<os::UniqueFd>> dirs;
  for (const auto& link : links) {
    const std::string parent = parent_of(link.path);
    auto dir = dirs.find(parent);
    if (dir == dirs.end()) dir = dirs.emplace(parent, root.mkdir_all(parent, 0755)).first;
    Result<bool> made = dir->second ? root.replace_symlink_in(*dir->second, parent, name_of(link.path), link.target)
                                    : Result<bool>(fail(dir->second.error()));
    if (!made) warnings.push_back("skip link `" + link.path + "` -> `" + link.target + "`: " + made.error().what());
  }
  return warnings;
}

} // namespace nvrunc::hook
