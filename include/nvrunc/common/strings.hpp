// Small string helpers used across modules (no allocation surprises, no locale).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace nvrunc {

std::string_view trim(std::string_view s);
// Splits on `sep`; keeps empty fields (callers decide whether to skip them).
std::vector<std::string_view> split(std::string_view s, char sep);
// Splits on `sep`, trims each field and drops the empty ones.
std::vector<std::string> split_trimmed(std::string_view s, char sep);
std::string to_lower(std::string_view s);
std::string to_upper(std::string_view s);
bool iequals(std::string_view a, std::string_view b);
std::string join(const std::vector<std::string>& parts, std::string_view sep);
// The pieces one after the other, in a single allocation (`a + b + c` makes one per `+`).
std::string concat(std::initializer_list<std::string_view> pieces);
// `value` in `digits` lowercase hexadecimal digits, zero-padded (printf's %0*llx for values that
// fit), without printf: the create path stays clear of vfprintf's code.
std::string hex(std::uint64_t value, int digits);
// True when every character is an ASCII digit and s is not empty.
bool is_digits(std::string_view s);
// Text from an image for an error message: non-printable bytes as '?', at most `max` bytes then "...".
std::string printable(std::string_view s, size_t max = 64);

} // namespace nvrunc
