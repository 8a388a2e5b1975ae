#include "nvrunc/spec/document.hpp"

#include <algorithm>
#include <bit>
#include <charconv>
#include <span>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "fast_parse.hpp"
#include "nvrunc/os/file.hpp"
#include "nvrunc/os/unique_fd.hpp"

namespace nvrunc::spec {

namespace {

// Builds the tree from the parser's events as nlohmann's own builder does (a repeated key keeps its
// first place and takes the last value), without its cost: that one inserts each member into an
// ordered_map, a vector of pair<const string, Json> that copies every member so far, subtrees and
// all, whenever it grows (a const key cannot be moved). Here the members of an open object are
// collected first, and the object is built once, at its size.
//
// It also refuses what the tree could not hold faithfully or safely: nesting deeper than max_depth
// (bounds the recursion of everything that walks the tree later), and integers beyond 64 bits,
// which nlohmann reads as doubles and would write back rounded (1.2345678901234568e+29), while
// config.json must come back exactly as it was.
class TreeBuilder {
public:
  bool null() { return add(Json(nullptr)); }
  bool boolean(bool b) { return add(Json(b)); }
  bool number_integer(Json::number_integer_t n) { return add(Json(n)); }
  bool number_unsigned(Json::number_unsigned_t n) { return add(Json(n)); }
  bool number_float(Json::number_float_t n, const Json::string_t& literal) {
    if (literal.find_first_of(".eE") == std::string::npos)
      return refuse("integer " + literal.substr(0, 40) + " does not fit in 64 bits (it could not be written back exactly)");
    return add(Json(n));
  }
  bool string(Json::string_t& s) { return add(Json(s)); }
  bool binary(Json::binary_t& b) { return add(Json::binary(b)); } // never for JSON text

  bool start_object(std::size_t) { return open(true); }
  bool key(Json::string_t& k) {
    auto& members = m_open.back().members;
    const auto same = std::find_if(members.begin(), members.end(), [&](const auto& m) { return m.first == k; });
    m_open.back().slot = static_cast<size_t>(same - members.begin());
    if (same == members.end()) members.emplace_back(k, Json());
    return true;
  }
  bool end_object() {
    Json object(Json::value_t::object);
    auto& built = object.get_ref<Json::object_t&>();
    built.reserve(m_open.back().members.size());
    for (auto& [k, v] : m_open.back().members) built.emplace_back(std::move(k), std::move(v));
    m_open.pop_back();
    return add(std::move(object));
  }
  bool start_array(std::size_t) { return open(false); }
  bool end_array() {
    Json array(Json::value_t::array);
    array.get_ref<Json::array_t&>().swap(m_open.back().items);
    m_open.pop_back();
    return add(std::move(array));
  }

  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    const auto* syntax = dynamic_cast<const nlohmann::json::parse_error*>(&e);
    return refuse(syntax ? "invalid JSON at byte " + std::to_string(syntax->byte)
                         : "invalid JSON: a number is out of range"); // out_of_range 406: `1e400`
  }

  const std::string& error() const { return m_error; }
  Json take() { return std::move(m_root); }

private:
  struct Open {
    bool object;
    std::vector<std::pair<std::string, Json>> members; // an object's
    Json::array_t items;                                // an array's
    size_t slot;                                        // the member the next value goes to
  };

  bool open(bool object) {
    if (m_open.size() == static_cast<size_t>(max_depth))
      return refuse("nested deeper than " + std::to_string(max_depth) + " levels");
    m_open.push_back(Open{object, {}, {}, 0});
    return true;
  }

  bool refuse(std::string why) {
    m_error = std::move(why);
    return false;
  }

  bool add(Json value) {
    if (m_open.empty()) m_root = std::move(value);
    else if (m_open.back().object) m_open.back().members[m_open.back().slot].second = std::move(value);
    else m_open.back().items.push_back(std::move(value));
    return true;
  }

  std::vector<Open> m_open;
  Json m_root;
  std::string m_error;
};

// Writes exactly what nlohmann's dump() writes (ensure_ascii off, strict UTF-8), several times
// faster: dump() escapes every string byte by byte, while nearly every string in a spec is
// printable ASCII that it copies unchanged; this one checks 16 bytes at a time and copies the
// string whole, into a buffer it fills through a pointer. Any other string, and every double,
// still goes through dump() itself, so escapes, UTF-8 checks and number formatting stay nlohmann's.
class Writer {
public:
  // Into `out`, grown as needed.
  Writer(std::string& out, const Layout& layout) : Writer(layout) {
    m_out = &out;
    out.resize(out.capacity());
    m_begin = m_p = out.data();
    m_end = m_p + out.size();
  }
  // Into the file `fd` through `buffer`, written out whenever it is full.
  Writer(int fd, std::span<char> buffer, const std::string& path, const Layout& layout) : Writer(layout) {
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

private:
  explicit Writer(const Layout& layout)
      : m_pretty(layout.indent >= 0), m_step(std::max(layout.indent, 0)), m_char(layout.indent_char) {}

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

  bool array(const Json& v, int depth) {
    if (v.empty()) return put("[]", 2), true;
    put('[');
    bool first = true;
    for (const auto& e : v.get_ref<const Json::array_t&>()) {
      separator(first, depth + 1);
      first = false;
      if (!value(e, depth + 1)) return false;
    }
    separator(true, depth);
    return put(']'), true;
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

Result<Json> parse(std::string_view text, std::string_view name) {
  TreeBuilder fast;
  if (detail::fast_sax_parse(text, fast)) return fast.take();
  return detail::parse_reference(text, name); // outside the fast path's subset, or an error
}

Result<Json> detail::parse_reference(std::string_view text, std::string_view name) {
  TreeBuilder builder;
  if (!Json::sax_parse(text.begin(), text.end(), &builder))
    return fail(Errc::bad_spec, "parse `" + std::string(name) + "`: " + builder.error());
  return builder.take();
}

bool detail::identical(const Json& a, const Json& b) {
  if (a.type() != b.type() || a.size() != b.size()) return false;
  if (a.is_object()) {
    for (auto i = a.begin(), j = b.begin(); i != a.end(); ++i, ++j)
      if (i.key() != j.key() || !identical(*i, *j)) return false;
    return true;
  }
  if (a.is_array()) {
    for (size_t i = 0; i < a.size(); ++i)
      if (!identical(a[i], b[i])) return false;
    return true;
  }
  return a == b;
}

Layout detect_layout(std::string_view text) {
  Layout layout;
  auto end = text.find_last_not_of(" \t\r\n");
  layout.trailing_newline = end != std::string_view::npos && end + 1 < text.size() && text.back() == '\n';
  auto open = text.find_first_of("{[");
  if (open == std::string_view::npos) return layout;
  auto nl = text.find('\n', open);
  auto next = text.find_first_not_of(" \t\r", open + 1);
  if (nl == std::string_view::npos || next < nl) return layout; // content on the same line: compact
  size_t start = nl + 1, i = start;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  if (i == start) return layout;
  layout.indent_char = text[start];
  layout.indent = static_cast<int>(i - start);
  return layout;
}

std::string serialize(const Json& json, const Layout& layout) {
  std::string out;
  out.reserve(32 * 1024); // a spec with a GPU's mounts is ~30 KB: one allocation
  Writer writer(out, layout);
  const bool written = writer.value(json, 0);
  (void)writer.finish(); // a string is always written whole
  if (!written) // binary data: never parsed from text, but keep dump()'s form
    out = layout.indent < 0 ? json.dump() : json.dump(layout.indent, layout.indent_char);
  if (layout.trailing_newline) out += '\n';
  return out;
}

Result<void> write(int fd, const Json& json, const Layout& layout, const std::string& path) {
  char buffer[16 * 1024];
  Writer writer(fd, buffer, path, layout);
  if (!writer.value(json, 0)) { // binary data (never parsed from text): serialize()'s form, from the start
    if (::ftruncate(fd, 0) != 0 || ::lseek(fd, 0, SEEK_SET) != 0) return fail_errno("truncate `" + path + "`");
    return os::write_all(fd, serialize(json, layout), path);
  }
  if (layout.trailing_newline) writer.trailing_newline(); // in the last write, not one of its own
  return writer.finish();
}

Result<Document> load(const std::string& bundle) {
  const std::string dir = bundle.empty() ? "." : bundle;
  Document doc;
  doc.path = dir + "/config.json";
  // Opened first, then fstat-ed: what is read is what was checked. O_NONBLOCK: a FIFO in its place
  // must not hang the open (it is refused below as not a regular file).
  os::UniqueFd fd(::open(doc.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK));
  if (!fd.valid()) {
    int saved = errno;
    if (saved == ENOENT && !os::path_exists(dir))
      return fail(Errc::not_found, "open bundle `" + dir + "`: no such directory");
    return fail(saved == ENOENT ? Errc::not_found : Errc::io, "open `" + doc.path + "`", saved);
  }
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return fail_errno("stat `" + doc.path + "`");
  if (!S_ISREG(st.st_mode)) return fail(Errc::bad_spec, "open `" + doc.path + "`: not a regular file");
  doc.mode = st.st_mode & 07777;
  doc.uid = st.st_uid;
  doc.gid = st.st_gid;
  NVRUNC_TRY(text, os::read_open_file(fd.get(), doc.path, os::default_read_limit, static_cast<size_t>(st.st_size)));
  NVRUNC_TRY(json, parse(text, doc.path));
  if (!json.is_object()) return fail(Errc::bad_spec, "read `" + doc.path + "`: the top level is not a JSON object");
  doc.layout = detect_layout(text);
  doc.original = std::move(text);
  doc.json = std::move(json);
  return doc;
}

Result<void> save(const Document& doc) {
  os::WriteOptions options;
  options.mode = doc.mode;
  options.uid = doc.uid;
  options.gid = doc.gid;
  // The edit is for this create only: a crash ends the container, and the engine's next create of
  // it (with this bundle or a new one) is edited again, so the engine's own config.json left by a
  // crash is as good as ours. Podman keeps bundles on a disk, where this saves a journal wait.
  options.durable = false;
  // Written straight into the temporary file through a buffer on the stack: the 30 KB text of a
  // spec with a GPU's mounts never exists whole in memory (8 fresh pages fewer per create).
  return os::write_file_atomic_with(doc.path, [&](int fd) { return write(fd, doc.json, doc.layout, doc.path); }, options);
}

} // namespace nvrunc::spec
