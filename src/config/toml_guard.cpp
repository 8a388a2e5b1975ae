#include "nvrunc/config/toml_guard.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "toml.hpp"

namespace nvrunc::config {

namespace {

using detail::parse_error;

// Bytes of the byte-order mark `text` starts with (0 or 3): toml++ skips one at the start.
size_t bom_size(std::string_view text) {
  constexpr std::string_view bom = "\xef\xbb\xbf";
  return text.substr(0, bom.size()) == bom ? bom.size() : 0;
}

// TOML allows non-ASCII only in comments and strings, so anything else is refused here before
// toml++ sees it; so is a non-ASCII character after a backslash in a basic or """ string, after a
// line-ending one included (the other path to the bug). A quote opens a string only where a token
// may start: toml++ reads `x = +)"§"` as one bare value up to a terminator
// (regressions/config/toml-nonascii-in-bare-value). On valid text this scan sees strings as toml++
// does; on malformed text it may not, and parse_ascii_copy keeps toml++ from the character there.
Result<void> refuse_misplaced_non_ascii(std::string_view text, std::string_view name) {
  const size_t start = bom_size(text);
  size_t line = 1, column = 1;
  const auto refuse = [&](std::string_view why = "outside a string or comment") {
    return parse_error(name, line, column, "non-ASCII character " + std::string(why));
  };
  const auto non_ascii = [](char c) { return static_cast<unsigned char>(c) >= 0x80; };
  const auto at = [&](size_t i, std::string_view s) { return text.substr(i, s.size()) == s; };
  const auto blank_at = [&](size_t i) {
    return i < text.size() && std::string_view(" \t\r\n").find(text[i]) != std::string_view::npos;
  };
  // A string (key or value) starts only where a token may: toml++ reads `x = +)"§"` as one bare
  // value up to a terminator, and tests each character on the way for whitespace.
  const auto starts_token = [&](size_t i) {
    return i == start || std::string_view(" \t\r\n=[,{.").find(text[i - 1]) != std::string_view::npos;
  };
  enum class In { code, comment, basic, literal, ml_basic, ml_literal } in = In::code;
  size_t i = start;
  // Moves past n bytes, counting lines.
  const auto advance = [&](size_t n) {
    for (; n > 0 && i < text.size(); --n, ++i) text[i] == '\n' ? (++line, column = 1) : ++column;
  };
  while (i < text.size()) {
    const char c = text[i];
    switch (in) {
    case In::code:
      if (non_ascii(c)) return refuse();
      if (c == '#') in = In::comment;
      else if (!starts_token(i)) break; // a quote inside a bare token: toml++ scans on to a terminator
      else if (at(i, R"(""")")) in = In::ml_basic, advance(2);
      else if (at(i, "'''")) in = In::ml_literal, advance(2);
      else if (c == '"') in = In::basic;
      else if (c == '\'') in = In::literal;
      break;
    case In::comment:
      if (c == '\n') in = In::code;
      break;
    case In::basic:
      if (c == '\\') {
        advance(1);
        if (i < text.size() && non_ascii(text[i])) return refuse("after a backslash (an invalid escape)");
      }
      else if (c == '"' || c == '\n') in = In::code;
      break;
    case In::literal:
      if (c == '\'' || c == '\n') in = In::code;
      break;
    case In::ml_basic:
      if (c == '\\') {
        advance(1);
        if (i < text.size() && non_ascii(text[i])) return refuse("after a backslash (an invalid escape)");
        if (blank_at(i)) {
          while (blank_at(i)) advance(1);
          if (i < text.size() && non_ascii(text[i])) return refuse("after a line-ending backslash");
          continue;
        }
      } else if (at(i, R"(""")")) in = In::code, advance(2);
      break;
    case In::ml_literal:
      if (at(i, "'''")) in = In::code, advance(2);
      break;
    }
    advance(1);
  }
  return {};
}

// Offset in `text` of toml++'s (line, column), or npos: lines and columns count from 1, columns in
// characters, which in an ASCII text are bytes.
size_t offset_of(std::string_view text, size_t line, size_t column) {
  size_t at = 0;
  for (size_t l = 1; l < line; ++l) {
    at = text.find('\n', at);
    if (at == std::string_view::npos) return at;
    ++at;
  }
  return column >= 1 && at + column - 1 < text.size() ? at + column - 1 : std::string_view::npos;
}

// The same reading of toml++ on a copy of `text` in which each non-ASCII character is one `~`, so
// that lines and columns stay. toml++ reads the copy safely; a copy that parses has its non-ASCII
// characters only where a `~` may be, in strings and comments (`~` is part of no key and no value),
// where toml++ reads the original safely as well (regressions/config/toml-nonascii-in-*).
Result<void> parse_ascii_copy(std::string_view text, std::string_view name) {
  const size_t start = bom_size(text);
  std::string copy(text.substr(0, start));
  std::vector<size_t> replaced; // offsets in `copy`
  size_t i = start;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i++]);
    if (lead < 0x80) {
      copy.push_back(static_cast<char>(lead));
      continue;
    }
    replaced.push_back(copy.size());
    copy.push_back('~');
    for (int more = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
         more > 0 && i < text.size() && (static_cast<unsigned char>(text[i]) & 0xC0) == 0x80; --more)
      ++i;
  }
  if (replaced.empty()) return {};
  try {
    (void)toml::parse(copy, name);
    return {};
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    std::string what(e.description());
    const size_t at = offset_of(std::string_view(copy).substr(start), where.line, where.column);
    if (at != std::string_view::npos && std::find(replaced.begin(), replaced.end(), start + at) != replaced.end())
      what += " (the non-ASCII character there read as `~`)";
    return parse_error(name, where.line, where.column, what);
  }
}

} // namespace

Result<void> refuse_toml_hazards(std::string_view text, std::string_view name) {
  if (auto r = refuse_misplaced_non_ascii(text, name); !r) return r;
  return parse_ascii_copy(text, name);
}

} // namespace nvrunc::config
