#include "toml_subset.hpp"

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace nvrunc::config::detail {

namespace {

// Every member returns false where the text leaves the subset; the caller then gives up.
class SubsetReader {
public:
  explicit SubsetReader(std::string_view text) : m_p(text.data()), m_end(text.data() + text.size()) {}

  bool read(toml::table& root) {
    toml::table* current = &root;
    while (m_p < m_end) {
      skip_blanks();
      if (at('[')) {
        if (!header(root, current)) return false;
      } else if (m_p < m_end && bare_key_char(*m_p)) {
        if (!key_value(*current)) return false;
      }
      skip_blanks();
      if (!comment() || !end_of_line()) return false;
    }
    return true;
  }

private:
  static bool bare_key_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  }
  static bool comment_char(char c) { return c == '\t' || (c >= 0x20 && c < 0x7f); }

  bool at(char c) const { return m_p < m_end && *m_p == c; }
  void skip_blanks() {
    while (m_p < m_end && (*m_p == ' ' || *m_p == '\t')) ++m_p;
  }
  // A comment, or nothing, up to the end of the line. Most of a shipped config.toml is comments:
  // runs of eight printable ASCII bytes are passed over a word at a time, and the byte loop only
  // decides at a word holding anything else (a tab, the line's end, a byte the subset refuses).
  bool comment() {
    if (!at('#')) return true;
    for (++m_p;;) {
      skip_printable_words();
      if (m_p == m_end || *m_p == '\n' || *m_p == '\r') return true;
      if (!comment_char(*m_p)) return false;
      ++m_p;
    }
  }
  void skip_printable_words() {
    constexpr std::uint64_t ones = 0x0101010101010101ull, tops = 0x8080808080808080ull;
    for (std::uint64_t x; m_end - m_p >= 8; m_p += 8) {
      std::memcpy(&x, m_p, 8);
      const std::uint64_t del = x ^ (ones * 0x7f);
      // A byte below 0x20, a DEL or one with its top bit set (each test is nonzero exactly when
      // some byte matches).
      if (((x | ((x - ones * 0x20) & ~x) | ((del - ones) & ~del)) & tops) != 0) return;
    }
  }
  bool end_of_line() {
    if (m_p == m_end) return true;
    if (*m_p == '\r') ++m_p;
    if (!at('\n')) return false;
    ++m_p;
    return true;
  }
  // Blanks, comments and line ends, as between an array's elements.
  bool skip_array_space() {
    for (;;) {
      skip_blanks();
      if (!comment()) return false;
      if (!at('\n') && !at('\r')) return true;
      if (!end_of_line()) return false;
    }
  }

  std::string_view bare_key() {
    const char* start = m_p;
    while (m_p < m_end && bare_key_char(*m_p)) ++m_p;
    return {start, size_t(m_p - start)};
  }

  // `[a.b]`: each part a table (made when missing), the last one defined here for the first time.
  bool header(toml::table& root, toml::table*& current) {
    ++m_p;
    if (at('[')) return false; // an array of tables
    toml::table* table = &root;
    for (;;) {
      skip_blanks();
      const std::string_view key = bare_key();
      if (key.empty()) return false;
      toml::node* node = table->get(key);
      if (!node) node = &table->insert(key, toml::table{}).first->second;
      table = node->as_table();
      if (!table) return false;
      skip_blanks();
      if (at(']')) break;
      if (!at('.')) return false;
      ++m_p;
    }
    ++m_p;
    for (const auto* defined : m_defined)
      if (defined == table) return false;
    m_defined.push_back(table);
    current = table;
    return true;
  }

  bool key_value(toml::table& table) {
    const std::string_view key = bare_key();
    skip_blanks();
    if (!at('=')) return false; // a dotted key, or not a key at all
    ++m_p;
    skip_blanks();
    if (table.contains(key)) return false;
    if (at('[')) {
      toml::array array;
      if (!read_array(array)) return false;
      table.insert(key, std::move(array));
      return true;
    }
    return scalar([&](auto&& v) { table.insert(key, std::forward<decltype(v)>(v)); });
  }

  bool read_array(toml::array& array) {
    ++m_p;
    for (;;) {
      if (!skip_array_space()) return false;
      if (at(']')) break;
      if (!scalar([&](auto&& v) { array.push_back(std::forward<decltype(v)>(v)); })) return false;
      if (!skip_array_space()) return false;
      if (at(']')) break;
      if (!at(',')) return false;
      ++m_p;
    }
    ++m_p;
    return true;
  }

  // A string, boolean or integer, handed to `put`; it must end where a value may end.
  template <class Put>
  bool scalar(Put&& put) {
    if (at('"') || at('\'')) {
      std::string s;
      if (!(at('"') ? basic_string(s) : literal_string(s))) return false;
      put(std::move(s));
    } else if (word("true")) {
      put(true);
    } else if (word("false")) {
      put(false);
    } else {
      std::int64_t n = 0;
      if (!integer(n)) return false;
      put(n);
    }
    return m_p == m_end || *m_p == ' ' || *m_p == '\t' || *m_p == '\n' || *m_p == '\r' || *m_p == '#' ||
           *m_p == ',' || *m_p == ']';
  }

  bool word(std::string_view w) {
    if (size_t(m_end - m_p) < w.size() || std::string_view(m_p, w.size()) != w) return false;
    m_p += w.size();
    return true;
  }

  bool basic_string(std::string& out) {
    if (word(R"(""")")) return false; // multi-line
    ++m_p;
    for (; m_p < m_end && *m_p != '"'; ++m_p) {
      char c = *m_p;
      if (c == '\\') {
        if (++m_p == m_end) return false;
        switch (*m_p) {
        case '"': c = '"'; break;
        case '\\': c = '\\'; break;
        case 'b': c = '\b'; break;
        case 't': c = '\t'; break;
        case 'n': c = '\n'; break;
        case 'f': c = '\f'; break;
        case 'r': c = '\r'; break;
        default: return false; // \u, \U and every invalid escape
        }
      } else if (!comment_char(c)) {
        return false;
      }
      out.push_back(c);
    }
    if (m_p == m_end) return false;
    ++m_p;
    return true;
  }

  bool literal_string(std::string& out) {
    if (word("'''")) return false; // multi-line
    const char* start = ++m_p;
    while (m_p < m_end && *m_p != '\'')
      if (!comment_char(*m_p++)) return false;
    if (m_p == m_end) return false;
    out.assign(start, m_p);
    ++m_p;
    return true;
  }

  bool integer(std::int64_t& out) {
    bool negative = false;
    if (at('+') || at('-')) negative = *m_p++ == '-';
    const char* start = m_p;
    std::int64_t n = 0;
    for (; m_p < m_end && *m_p >= '0' && *m_p <= '9'; ++m_p) {
      if (m_p - start == 18) return false; // might not fit in 64 bits
      n = n * 10 + (*m_p - '0');
    }
    const size_t digits = size_t(m_p - start);
    if (digits == 0 || (digits > 1 && *start == '0')) return false;
    out = negative ? -n : n;
    return true;
  }

  const char* m_p;
  const char* m_end;
  std::vector<const toml::table*> m_defined; // tables a header has defined
};

} // namespace

std::optional<toml::table> parse_toml_subset(std::string_view text) {
  toml::table root;
  if (!SubsetReader(text).read(root)) return std::nullopt;
  return root;
}

} // namespace nvrunc::config::detail
