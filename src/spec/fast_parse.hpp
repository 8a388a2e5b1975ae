// A JSON reader for the plain text nearly every config.json is, feeding the same SAX handler
// nlohmann's parser does, about three times faster than nlohmann's lexer (which builds every token
// one byte at a time).
//
// It reads only a strict subset of JSON and says `false` for anything outside it, without judging
// whether that is valid: the caller then parses the whole text again with nlohmann, so every
// outcome outside the subset (floats, \u escapes, non-ASCII bytes, a byte-order mark, every
// error and its message) stays nlohmann's. Inside the subset the events are exactly nlohmann's
// (test/fuzz/fuzz_spec.cpp compares the two on every input):
// - whitespace: space, tab, newline, carriage return;
// - strings of printable ASCII (0x20-0x7f) with the escapes \" \\ \/ \b \f \n \r \t;
// - integers without leading zeros that fit in 64 bits: number_unsigned without a minus sign,
//   number_integer with one (as nlohmann's lexer);
// - true, false, null, objects and arrays, and nothing after the value but whitespace.
// A handler that returns false stops the reading (false as well).
#pragma once

#include <charconv>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace nvrunc::spec::detail {

template <class Sax>
class FastParser {
public:
  FastParser(std::string_view text, Sax& sax) : m_p(text.data()), m_end(text.data() + text.size()), m_sax(sax) {}

  bool document() {
    if (!value()) return false;
    skip_space();
    return m_p == m_end;
  }

private:
  void skip_space() {
    while (m_p != m_end && (*m_p == ' ' || *m_p == '\n' || *m_p == '\r' || *m_p == '\t')) ++m_p;
  }

  bool value() {
    skip_space();
    if (m_p == m_end) return false;
    switch (*m_p) {
    case '{': return object();
    case '[': return array();
    case '"':
      if (!string(m_text)) return false;
      return m_sax.string(m_text);
    case 't': return literal("true") && m_sax.boolean(true);
    case 'f': return literal("false") && m_sax.boolean(false);
    case 'n': return literal("null") && m_sax.null();
    default: return number();
    }
  }

  bool object() {
    ++m_p; // '{'
    if (!m_sax.start_object(std::size_t(-1))) return false;
    skip_space();
    if (m_p != m_end && *m_p == '}') {
      ++m_p;
      return m_sax.end_object();
    }
    while (true) {
      skip_space();
      if (m_p == m_end || *m_p != '"' || !string(m_text) || !m_sax.key(m_text)) return false;
      skip_space();
      if (m_p == m_end || *m_p != ':') return false;
      ++m_p;
      bool closed = false;
      if (!value() || !comma_or(closed, '}')) return false;
      if (closed) return m_sax.end_object();
    }
  }

  bool array() {
    ++m_p; // '['
    if (!m_sax.start_array(std::size_t(-1))) return false;
    skip_space();
    if (m_p != m_end && *m_p == ']') {
      ++m_p;
      return m_sax.end_array();
    }
    while (true) {
      bool closed = false;
      if (!value() || !comma_or(closed, ']')) return false;
      if (closed) return m_sax.end_array();
    }
  }

  // After an item of an object or an array: a comma (more to come), or `close` (then `closed`).
  bool comma_or(bool& closed, char close) {
    skip_space();
    if (m_p == m_end || (*m_p != ',' && *m_p != close)) return false;
    closed = *m_p++ == close;
    return true;
  }

  // A string at m_p ('"') into `out`, runs of plain bytes copied at once.
  bool string(std::string& out) {
    out.clear();
    ++m_p;
    while (true) {
      const char* run = m_p;
      while (m_p != m_end && plain(*m_p)) ++m_p;
      out.append(run, m_p);
      if (m_p == m_end) return false;
      if (*m_p == '"') {
        ++m_p;
        return true;
      }
      if (*m_p != '\\' || m_end - m_p < 2) return false; // a control or non-ASCII byte: nlohmann's call
      switch (m_p[1]) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      default: return false; // \u and anything else
      }
      m_p += 2;
    }
  }

  static bool plain(char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x80 && c != '"' && c != '\\';
  }

  bool literal(std::string_view word) {
    if (static_cast<size_t>(m_end - m_p) < word.size() || std::string_view(m_p, word.size()) != word) return false;
    m_p += word.size();
    return true;
  }

  bool number() {
    const char* start = m_p;
    const bool negative = *m_p == '-';
    if (negative) ++m_p;
    const char* digits = m_p;
    while (m_p != m_end && *m_p >= '0' && *m_p <= '9') ++m_p;
    if (m_p == digits || (*digits == '0' && m_p - digits > 1)) return false;
    if (m_p != m_end && (*m_p == '.' || *m_p == 'e' || *m_p == 'E')) return false; // a float: nlohmann's call
    if (negative) {
      std::int64_t n = 0;
      const auto r = std::from_chars(start, m_p, n);
      return r.ec == std::errc() && r.ptr == m_p && m_sax.number_integer(n);
    }
    std::uint64_t n = 0;
    const auto r = std::from_chars(start, m_p, n);
    return r.ec == std::errc() && r.ptr == m_p && m_sax.number_unsigned(n);
  }

  const char* m_p;
  const char* m_end;
  Sax& m_sax;
  std::string m_text; // reused by every string and key
};

// Whether `text` was read whole within the subset, every event accepted by `sax`.
template <class Sax>
bool fast_sax_parse(std::string_view text, Sax& sax) {
  return FastParser<Sax>(text, sax).document();
}

} // namespace nvrunc::spec::detail
