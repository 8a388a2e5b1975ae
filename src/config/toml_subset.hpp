// A reader for the plain TOML nearly every config.toml is: the toolkit's and ours are a few
// section headers, a few `key = value` lines and kilobytes of comments. toml++ decodes every byte
// as UTF-8 one at a time and costs a create and every pass-through command 50-200 us; this reads
// the same file in a few microseconds.
//
// It reads only a strict subset and says nullopt for anything outside it, without judging whether
// that is valid TOML: the caller then parses the text with toml++, so every outcome outside the
// subset (every error and its message, dates, floats, inline tables, \u escapes, non-ASCII bytes)
// stays toml++'s. Inside it the table is exactly toml++'s (test/fuzz/fuzz_config.cpp compares the
// two on every input):
// - lines ending in \n or \r\n; blank lines and comments of tab and printable ASCII;
// - headers `[a.b-c_d]` of bare keys (not `[[array tables]]`), each defined once, never over a key;
// - `key = value` with a bare key (not dotted), once per table;
// - values: "basic strings" of tab and printable ASCII with the escapes \" \\ \b \t \n \f \r,
//   'literal strings', true, false, decimal integers of at most 18 digits without leading zeros,
//   and arrays of those (over several lines, with comments and a trailing comma), not nested.
#pragma once

#include <optional>
#include <string_view>

#include "toml.hpp"

namespace nvrunc::config::detail {

std::optional<toml::table> parse_toml_subset(std::string_view text);

} // namespace nvrunc::config::detail
