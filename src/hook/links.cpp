#include "nvrunc/hook/links.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cstdio>

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
  for (const auto& link : links) {
    Result<bool> made = root.mkdir_all(parent_of(link.path), 0755).and_then([&](os::UniqueFd) {
      return root.replace_symlink(link.path, link.target);
    });
    if (!made) warnings.push_back("skip link `" + link.path + "` -> `" + link.target + "`: " + made.error().what());
  }
  return warnings;
}

} // namespace nvrunc::hook
