#include "nvrunc/spec/document.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cstdint>

#include <sys/stat.h>

#include <cerrno>

#include "nvrunc/os/file.hpp"

namespace nvrunc::spec {

namespace {

// Rejects nesting deeper than max_depth before the parser sees it.
bool too_deep(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') {
      if (++depth > max_depth) return true;
    } else if (c == '}' || c == ']') --depth;
  }
  return false;
}

// nlohmann reads an integer beyond 64 bits as a double, and would write it back rounded
// (1.2345678901234568e+29): config.json must come back exactly as it was, so such a number is
// refused. Returns the offending literal.
std::optional<std::string> inexact_integer(std::string_view text) {
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') ++i;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') {
      in_string = true;
      continue;
    }
    if (c != '-' && (c < '0' || c > '9')) continue;
    size_t end = i + (c == '-');
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    const bool integral = end == text.size() || (text[end] != '.' && text[end] != 'e' && text[end] != 'E');
    const std::string_view digits = text.substr(i + (c == '-'), end - i - (c == '-'));
    if (integral && digits.size() >= 19) {
      const std::string_view limit = c == '-' ? "9223372036854775808" : "18446744073709551615";
      if (digits.size() > limit.size() || (digits.size() == limit.size() && digits > limit))
        return std::string(text.substr(i, std::min<size_t>(end - i, 40)));
    }
    i = end - 1;
    while (i + 1 < text.size() && (std::isalnum(static_cast<unsigned char>(text[i + 1])) || text[i + 1] == '.' ||
                                   text[i + 1] == '+' || text[i + 1] == '-'))
      ++i; // the rest of a float literal
  }
  return std::nullopt;
}

// Writes exactly what nlohmann's dump() writes (ensure_ascii off, strict UTF-8), about twice as
// fast: dump() escapes every string byte by byte, while nearly every string in a spec is
// printable ASCII that it copies unchanged. Any other string, and every double, still goes through
// dump() itself, so escapes, UTF-8 checks and number formatting stay nlohmann's.
class Writer {
public:
  Writer(std::string& out, const Layout& layout)
      : m_out(out), m_pretty(layout.indent >= 0), m_step(std::max(layout.indent, 0)), m_char(layout.indent_char) {}

  // False when the tree holds a value text never parses to (binary).
  bool value(const Json& v, int depth) {
    switch (v.type()) {
    case Json::value_t::object: return object(v, depth);
    case Json::value_t::array: return array(v, depth);
    case Json::value_t::string: string(v.get_ref<const std::string&>(), &v); return true;
    case Json::value_t::number_integer: number(v.get<std::int64_t>()); return true;
    case Json::value_t::number_unsigned: number(v.get<std::uint64_t>()); return true;
    case Json::value_t::boolean: m_out += v.get<bool>() ? "true" : "false"; return true;
    case Json::value_t::null: m_out += "null"; return true;
    case Json::value_t::number_float: m_out += v.dump(); return true;
    default: return false;
    }
  }

private:
  bool object(const Json& v, int depth) {
    if (v.empty()) return m_out += "{}", true;
    m_out += '{';
    bool first = true;
    for (auto it = v.begin(); it != v.end(); ++it, first = false) {
      if (!first) m_out += ',';
      newline(depth + 1);
      string(it.key(), nullptr);
      m_out += m_pretty ? ": " : ":";
      if (!value(it.value(), depth + 1)) return false;
    }
    newline(depth);
    return m_out += '}', true;
  }

  bool array(const Json& v, int depth) {
    if (v.empty()) return m_out += "[]", true;
    m_out += '[';
    bool first = true;
    for (const auto& e : v) {
      if (!first) m_out += ',';
      first = false;
      newline(depth + 1);
      if (!value(e, depth + 1)) return false;
    }
    newline(depth);
    return m_out += ']', true;
  }

  // A newline and the indentation for `depth`, appended in one piece.
  void newline(int depth) {
    if (!m_pretty) return;
    const size_t size = 1 + static_cast<size_t>(depth) * static_cast<size_t>(m_step);
    if (m_newline.size() < size) {
      m_newline = "\n";
      m_newline.append(2 * size, m_char);
    }
    m_out.append(m_newline, 0, size);
  }

  // Printable ASCII other than '"' and '\\': dump() copies these unchanged. A table, because this
  // loop over every string byte is most of the writer's time.
  static bool plain(const std::string& s) {
    static constexpr auto table = [] {
      std::array<bool, 256> t{};
      for (int c = 0x20; c < 0x7f; ++c) t[c] = c != '"' && c != '\\';
      return t;
    }();
    for (const char c : s)
      if (!table[static_cast<unsigned char>(c)]) return false;
    return true;
  }

  // `json` is the string's own value when there is one (a key has none).
  void string(const std::string& s, const Json* json) {
    if (!plain(s)) {
      m_out += json ? json->dump() : Json(s).dump();
      return;
    }
    m_out += '"';
    m_out += s;
    m_out += '"';
  }

  template <class Int>
  void number(Int n) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, n);
    m_out.append(buf, r.ptr);
  }

  std::string& m_out;
  bool m_pretty;
  int m_step;
  char m_char;
  std::string m_newline; // "\n" and indentation for the deepest level seen so far
};

} // namespace

Result<Json> parse(std::string_view text, std::string_view name) {
  if (too_deep(text))
    return fail(Errc::bad_spec, "parse `" + std::string(name) + "`: nested deeper than " + std::to_string(max_depth) +
                                    " levels");
  if (auto n = inexact_integer(text))
    return fail(Errc::bad_spec, "parse `" + std::string(name) + "`: integer " + *n +
                                    " does not fit in 64 bits (it could not be written back exactly)");
  try {
    return Json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    return fail(Errc::bad_spec, "parse `" + std::string(name) + "`: invalid JSON at byte " + std::to_string(e.byte));
  } catch (const nlohmann::json::exception&) {
    // out_of_range 406: a number beyond a double's range (`1e400`).
    return fail(Errc::bad_spec, "parse `" + std::string(name) + "`: invalid JSON: a number is out of range");
  }
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
  if (!writer.value(json, 0)) // binary data: never parsed from text, but keep dump()'s form
    out = layout.indent < 0 ? json.dump() : json.dump(layout.indent, layout.indent_char);
  if (layout.trailing_newline) out += '\n';
  return out;
}

Result<Document> load(const std::string& bundle) {
  const std::string dir = bundle.empty() ? "." : bundle;
  Document doc;
  doc.path = dir + "/config.json";
  struct stat st;
  if (::stat(doc.path.c_str(), &st) != 0) {
    int saved = errno;
    if (saved == ENOENT && !os::path_exists(dir))
      return fail(Errc::not_found, "open bundle `" + dir + "`: no such directory");
    return fail(saved == ENOENT ? Errc::not_found : Errc::io, "open `" + doc.path + "`", saved);
  }
  if (!S_ISREG(st.st_mode)) return fail(Errc::bad_spec, "open `" + doc.path + "`: not a regular file");
  doc.mode = st.st_mode & 07777;
  doc.uid = st.st_uid;
  doc.gid = st.st_gid;
  NVRUNC_TRY(text, os::read_file(doc.path));
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
  return os::write_file_atomic(doc.path, serialize(doc.json, doc.layout), options);
}

} // namespace nvrunc::spec
