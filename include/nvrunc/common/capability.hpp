// Driver capabilities: the words of NVIDIA_DRIVER_CAPABILITIES, shared by request, discover and plan.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "nvrunc/common/error.hpp"

namespace nvrunc {

enum class Capability : std::uint8_t { utility, compute, video, graphics, display, ngx, compat32 };
inline constexpr int capability_count = 7;

std::string_view capability_name(Capability cap);
std::optional<Capability> parse_capability(std::string_view word);

// A set of capabilities, as a bit mask.
class Capabilities {
public:
  constexpr Capabilities() = default;
  static constexpr Capabilities all() { return Capabilities((1u << capability_count) - 1); }
  constexpr bool has(Capability c) const { return (m_bits >> static_cast<unsigned>(c)) & 1u; }
  constexpr Capabilities& add(Capability c) {
    m_bits |= 1u << static_cast<unsigned>(c);
    return *this;
  }
  constexpr bool empty() const { return m_bits == 0; }
  constexpr Capabilities intersect(Capabilities o) const { return Capabilities(m_bits & o.m_bits); }
  constexpr bool operator==(const Capabilities&) const = default;
  // "compute,utility" in canonical (enum) order; "" for the empty set.
  std::string to_string() const;
  // Parses a comma list of words ("all" = every capability). Unknown words are an error.
  static Result<Capabilities> parse(std::string_view list);

private:
  constexpr explicit Capabilities(unsigned bits) : m_bits(bits) {}
  unsigned m_bits = 0;
};

} // namespace nvrunc
