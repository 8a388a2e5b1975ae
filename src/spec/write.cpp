// The writer of spec::serialize and spec::write (document.hpp): nlohmann's dump() text, faster,
// with an Appendix's objects after their arrays.
#include <algorithm>
#include <bit>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <span>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <unistd.h>

#include "nvrunc/os/file.hpp"
#include "nvrunc/spec/document.hpp"

namespace nvrunc::spec {

namespace {

// Writes exactly what nlohmann's dump() writes (ensure_ascii off, strict UTF-8), several times
// faster: dump() escapes every string byte by byte, while nearly every string in a spec is
// printable ASCII that it copies unchanged; this one checks 16 bytes at a time and copies the
// string whole, into a buffer it fills through a pointer. Any other string, and every double,
// still goes through dump() itself, so escapes, UTF-8 checks and number formatting stay nlohmann's.
class Writer final : public ObjectPrinter {
public:
  // Into `out`, grown as needed.
  Writer(std::string& out, const Layout& layout, const Appendix* appendix) : Writer(layout, appendix) {
    m_out = &out;
    out.resize(out.capacity());
    m_begin = m_p = out.data();
    m_end = m_p + out.size();
  }
  // Into the file `fd` through `buffer`, written out whenever it is full.
  Writer(int fd, std::span<char> buffer, const std::string& path, const Layout& layout, const Appendix* appendix)
      : Writer(layout, appendix) {
    m_fd = fd;
    m_path = &path;
    m_begin = m_p = buffer.data();
    m_end = m_p + buffer.size();
  }
  // The string cut to what was written, or what is left in the buffer written out. A failed
  // write of the file is the result (everything after it was dropped).
  Result<void> finish() {
    if (m_out) m_out->resize(static_cast<size_t>(m_p - m_begin));
    else flush();
    return m_written;
  }

  // The layout's newline after the value.
  void trailing_newline() { put('\n'); }

  // False when the tree holds a value text never parses to (binary).
  bool value(const Json& v, int depth) {
    switch (v.type()) {
    case Json::value_t::object: return object(v, depth);
    case Json::value_t::array: return array(v, depth);
    case Json::value_t::string: string(v.get_ref<const std::string&>(), &v); return true;
    case Json::value_t::number_integer: number(v.get<std::int64_t>()); return true;
    case Json::value_t::number_unsigned: number(v.get<std::uint64_t>()); return true;
    case Json::value_t::boolean: v.get<bool>() ? put("true", 4) : put("false", 5); return true;
    case Json::value_t::null: put("null", 4); return true;
    case Json::value_t::number_float: put(v.dump()); return true;
    default: return false;
    }
  }

  // An appendix object's members (see array()).
  void member(std::string_view key, const std::string& value) override {
    member_key(key);
    string(value, nullptr);
  }
  void member(std::string_view key, std::int64_t value) override {
    member_key(key);
    number(value);
  }
  void member(std::string_view key, bool value) override {
    member_key(key);
    value ? put("true", 4) : put("false", 5);
  }
  void member(std::string_view key, const std::vector<std::string>& values) override {
    member_key(key);
    if (values.empty()) return put("[]", 2);
    put('[');
    bool first = true;
    for (const auto& v : values) {
      separator(first, m_member_depth + 1);
      first = false;
      string(v, nullptr);
    }
    separator(true, m_member_depth);
    put(']');
  }

private:
  Writer(const Layout& layout, const Appendix* appendix)
      : m_appendix(appendix), m_pretty(layout.indent >= 0), m_step(std::max(layout.indent, 0)), m_char(layout.indent_char) {}

  bool object(const Json& v, int depth) {
    if (v.empty()) return put("{}", 2), true;
    put('{');
    bool first = true;
    for (const auto& [key, member] : v.get_ref<const Json::object_t&>()) {
      separator(first, depth + 1);
      first = false;
      string(key, nullptr);
      put(": ", m_pretty ? 2 : 1);
      if (!value(member, depth + 1)) return false;
    }
    separator(true, depth);
    return put('}'), true;
  }

  // The array's elements, then the appendix's objects for it, printed as object() prints one.
  bool array(const Json& v, int depth) {
    const auto& items = v.get_ref<const Json::array_t&>();
    const size_t extra = m_appendix ? m_appendix->count(items) : 0;
    if (items.empty() && extra == 0) return put("[]", 2), true;
    put('[');
    bool first = true;
    for (const auto& e : items) {
      separator(first, depth + 1);
      first = false;
      if (!value(e, depth + 1)) return false;
    }
    for (size_t i = 0; i < extra; ++i) {
      separator(first, depth + 1);
      first = false;
      put('{');
      m_member_depth = depth + 2;
      m_first_member = true;
      m_appendix->print(items, i, *this);
      if (!m_first_member) separator(true, depth + 1);
      put('}');
    }
    separator(true, depth);
    return put(']'), true;
  }

  // What object() prints before a member's value; the key is a plain name.
  void member_key(std::string_view key) {
    separator(m_first_member, m_member_depth);
    m_first_member = false;
    put('"');
    put(key.data(), key.size());
    put(m_pretty ? "\": " : "\":", m_pretty ? 3 : 2);
  }

  // Before a member or element (and before a closing bracket, as `first`): a comma unless it is the
  // first, then in pretty layouts a newline and the indentation for `depth`, copied in one piece
  // (a fixed 32 bytes when they fit: a copy of constant size is two moves, not a call).
  void separator(bool first, int depth) {
    if (!m_pretty) {
      if (!first) put(',');
      return;
    }
    const size_t size = 2 + static_cast<size_t>(depth) * static_cast<size_t>(m_step);
    if (m_separator.size() < size + 32) {
      m_separator = ",\n";
      m_separator.append(2 * size + 32, m_char);
    }
    if (size <= 32 && m_end - m_p >= 32) {
      std::memcpy(m_p, m_separator.data() + first, 32);
      m_p += size - first;
      return;
    }
    put(m_separator.data() + first, size - first);
  }

  // Every std::string of libstdc++ has at least 16 readable bytes at data(): its own buffer (short
  // strings) or an allocation of more than 15 characters. Short strings are read, checked and
  // copied as one 16-byte block, the bytes past their end masked out (or copied and then written
  // over), instead of byte by byte or through a call to memcpy.
  static_assert(sizeof(std::string) == 32, "short strings are read 16 bytes at a time: libstdc++'s layout");
  static constexpr size_t short_string = 16;

  // Printable ASCII other than '"' and '\\': dump() copies these unchanged. Checked 16 bytes at a
  // time (the last block of a long string overlapping the one before; a short string's bytes past
  // its end masked out).
#if defined(__SSE2__)
  // The bytes of a block that need dump(), as bits: below 0x20 or from 0x80 on (negative as signed
  // bytes), '"', '\\' and DEL.
  static unsigned needs_dump(const char* p) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i bad = _mm_or_si128(_mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), _mm_cmpeq_epi8(v, _mm_set1_epi8('"'))),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('\\')), _mm_cmpeq_epi8(v, _mm_set1_epi8(0x7f))));
    return static_cast<unsigned>(_mm_movemask_epi8(bad));
  }
#else
  // The same from two 8-byte words: each test below is nonzero exactly when some byte of the word
  // matches (a borrow can only mark a byte above one that matches), and a byte with its top bit set
  // fails as well; bit i set for byte i.
  static unsigned needs_dump(const char* p) {
    static_assert(std::endian::native == std::endian::little, "bit i of the mask is byte i of the word");
    constexpr std::uint64_t ones = 0x0101010101010101ull, tops = 0x8080808080808080ull;
    unsigned bits = 0;
    for (int half = 0; half < 2; ++half) {
      std::uint64_t x;
      std::memcpy(&x, p + 8 * half, 8);
      const auto has = [x](unsigned char c) {
        const std::uint64_t y = x ^ (ones * c);
        return (y - ones) & ~y;
      };
      const std::uint64_t bad = (x | ((x - ones * 0x20) & ~x) | has('"') | has('\\') | has(0x7f)) & tops;
      for (int i = 0; i < 8; ++i)
        if (bad >> (8 * i + 7) & 1) bits |= 1u << (8 * half + i);
    }
    return bits;
  }
#endif
  static bool plain(const std::string& s) {
    const size_t n = s.size();
    if (n <= short_string) return (needs_dump(s.data()) & ((1u << n) - 1)) == 0;
    for (size_t i = 0; i + short_string < n; i += short_string)
      if (needs_dump(s.data() + i) != 0) return false;
    return needs_dump(s.data() + n - short_string) == 0;
  }

  // `json` is the string's own value when there is one (a key has none).
  void string(const std::string& s, const Json* json) {
    if (!plain(s)) {
      put(json ? json->dump() : Json(s).dump());
      return;
    }
    const size_t n = s.size();
    if (n <= short_string && m_end - m_p >= static_cast<std::ptrdiff_t>(short_string + 2)) {
      *m_p = '"';
      std::memcpy(m_p + 1, s.data(), short_string);
      m_p[1 + n] = '"';
      m_p += n + 2;
      return;
    }
    if (static_cast<size_t>(m_end - m_p) < n + 2 && !room(n + 2)) {
      put('"'); // longer than the file's buffer: in pieces
      put(s.data(), n);
      put('"');
      return;
    }
    *m_p++ = '"';
    std::memcpy(m_p, s.data(), n);
    m_p += n;
    *m_p++ = '"';
  }

  template <class Int>
  void number(Int n) {
    room(24); // a buffer always holds 24 bytes
    m_p = std::to_chars(m_p, m_end, n).ptr;
  }

  // Whether there are now at least `n` free bytes after m_p: a string grows, a file's buffer is
  // written out (false when `n` is more than it holds).
  bool room(size_t n) {
    if (static_cast<size_t>(m_end - m_p) >= n) return true;
    if (!m_out) {
      flush();
      return static_cast<size_t>(m_end - m_p) >= n;
    }
    const size_t used = static_cast<size_t>(m_p - m_begin);
    m_out->resize(std::max(2 * m_out->size(), used + n));
    m_begin = m_out->data();
    m_p = m_begin + used;
    m_end = m_begin + m_out->size();
    return true;
  }
  void flush() {
    if (m_written && m_p != m_begin) m_written = os::write_all(m_fd, {m_begin, static_cast<size_t>(m_p - m_begin)}, *m_path);
    m_p = m_begin;
  }
  void put(char c) {
    room(1);
    *m_p++ = c;
  }
  void put(const char* s, size_t n) {
    if (!room(n)) { // more than the file's buffer holds: straight to the file
      if (m_written) m_written = os::write_all(m_fd, {s, n}, *m_path);
      return;
    }
    std::memcpy(m_p, s, n);
    m_p += n;
  }
  void put(const std::string& s) { put(s.data(), s.size()); }

  const Appendix* m_appendix;
  int m_member_depth = 0;     // an appendix object's members: their depth, and
  bool m_first_member = true; // whether none is printed yet
  std::string* m_out = nullptr;   // the string written into, or
  int m_fd = -1;                  // the file written to
  const std::string* m_path = nullptr;
  Result<void> m_written;         // the first failed write of the file
  char* m_begin = nullptr;
  char* m_p = nullptr;
  char* m_end = nullptr;
  bool m_pretty;
  int m_step;
  char m_char;
  std::string m_separator; // ",\n" and indentation for the deepest level seen so far
};

} // namespace

std::string serialize(const Json& json, const Layout& layout, const Appendix* appendix) {
  std::string out;
  out.reserve(32 * 1024); // a spec with a GPU's mounts is ~30 KB: one allocation
  Writer writer(out, layout, appendix);
  const bool written = writer.value(json, 0);
  (void)writer.finish(); // a string is always written whole
  if (!written) // binary data: never parsed from text, but keep dump()'s form
    out = layout.indent < 0 ? json.dump() : json.dump(layout.indent, layout.indent_char);
  if (layout.trailing_newline) out += '\n';
  return out;
}

Result<void> write(int fd, const Json& json, const Layout& layout, const std::string& path, const Appendix* appendix) {
  char buffer[16 * 1024];
  Writer writer(fd, buffer, path, layout, appendix);
  if (!writer.value(json, 0)) { // binary data (never parsed from text): serialize()'s form, from the start
    if (appendix) return fail(Errc::bad_spec, "write `" + path + "`: the spec holds binary data");
    if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) return fail_errno("truncate `" + path + "`");
    return os::write_all(fd, serialize(json, layout), path);
  }
  if (layout.trailing_newline) writer.trailing_newline(); // in the last write, not one of its own
  return writer.finish();
}

} // namespace nvrunc::spec
