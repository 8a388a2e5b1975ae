#include "nvrunc/common/capability.hpp"

#include <array>

#include "nvrunc/common/strings.hpp"

namespace nvrunc {

namespace {
constexpr std::array<std::string_view, capability_count> names = {
    "utility", "compute", "video", "graphics", "display", "ngx", "compat32"};
}

std::string_view capability_name(Capability cap) { return names[static_cast<size_t>(cap)]; }

std::optional<Capability> parse_capability(std::string_view word) {
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == word) return static_cast<Capability>(i);
  return std::nullopt;
}

std::string Capabilities::to_string() const {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (!has(static_cast<Capability>(i))) continue;
    if (!out.empty()) out += ',';
    out += names[i];
  }
  return out;
}

Result<Capabilities> Capabilities::parse(std::string_view list) {
  Capabilities caps;
  for (const auto& word : split_trimmed(list, ',')) {
    auto lower = to_lower(word);
    if (lower == "all") {
      caps = all();
      continue;
    }
    if (lower == "none") continue; // accepted by the toolkit: no driver capability at all
    auto cap = parse_capability(lower);
    if (!cap)
      return fail(Errc::invalid_argument,
                  "unsupported driver capability `" + word +
                      "` (supported: compute, compat32, display, graphics, ngx, utility, video, all)");
    caps.add(*cap);
  }
  return caps;
}

} // namespace nvrunc
