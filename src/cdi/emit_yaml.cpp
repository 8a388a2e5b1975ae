// A tree as block-style YAML, laid out like nvidia-ctk's files (2-space indent, sequences at the
// indent of their key). A string is written plain only when no YAML 1.1 or 1.2 reader could take it
// for anything else: it starts with a letter or '/', holds only `[A-Za-z0-9_./=+:-]`, does not end
// with ':' and is not a boolean or null word. Everything else is double-quoted with escapes
// ("0", "yes", "null", "1.0", "--link", "a #b", " x"), so every string reads back as itself.
#include "nvrunc/common/strings.hpp"
#include "tree.hpp"

namespace nvrunc::cdi::detail {

namespace {

bool plain_safe(std::string_view s) {
  if (s.empty() || s.back() == ':') return false;
  const auto letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  if (!letter(s.front()) && s.front() != '/') return false;
  for (char c : s)
    if (!letter(c) && !(c >= '0' && c <= '9') && std::string_view("_./=+:-").find(c) == std::string_view::npos)
      return false;
  for (const char* word : {"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
    if (iequals(s, word)) return false;
  return true;
}

void append_hex(std::string& out, const char* prefix, unsigned value, int digits) {
  static const char hex[] = "0123456789abcdef";
  out += prefix;
  for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) out += hex[(value >> shift) & 0xf];
}

// Code points that YAML readers treat as line breaks or as unprintable: C1 controls, NEL, LS, PS and
// BOM. Returns the length of the UTF-8 sequence at `i` (0 if none) and sets `code`.
size_t special_utf8(std::string_view s, size_t i, unsigned& code) {
  const auto b = [&](size_t k) { return i + k < s.size() ? static_cast<unsigned char>(s[i + k]) : 0u; };
  if (b(0) == 0xc2 && b(1) >= 0x80 && b(1) <= 0x9f) {
    code = b(1);
    return 2;
  }
  if (b(0) == 0xe2 && b(1) == 0x80 && (b(2) == 0xa8 || b(2) == 0xa9)) {
    code = 0x2000u + (b(2) - 0x80u);
    return 3;
  }
  if (b(0) == 0xef && b(1) == 0xbb && b(2) == 0xbf) {
    code = 0xfeff;
    return 3;
  }
  return 0;
}

std::string double_quoted(std::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size(); ++i) {
    const char c = s[i];
    unsigned code = 0;
    if (c == '"' || c == '\\') out += '\\', out += c;
    else if (c == '\n') out += "\\n";
    else if (c == '\t') out += "\\t";
    else if (c == '\r') out += "\\r";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      append_hex(out, "\\x", static_cast<unsigned char>(c), 2);
    else if (size_t n = special_utf8(s, i, code); n > 0) append_hex(out, "\\u", code, 4), i += n - 1;
    else out += c;
  }
  return out + "\"";
}

std::string scalar(const Json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return plain_safe(s) ? s : double_quoted(s);
  }
  if (v.is_object()) return "{}";
  if (v.is_array()) return "[]";
  return v.dump(); // numbers, booleans, null
}

bool is_block(const Json& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void emit(std::string& out, const Json& v, size_t indent, bool first_inline);

// After "key:" or "-": the value on the same line, or a block below it.
void emit_value(std::string& out, const Json& v, size_t indent) {
  if (!is_block(v)) {
    out += " " + scalar(v) + "\n";
    return;
  }
  out += "\n";
  emit(out, v, v.is_object() ? indent + 2 : indent, false);
}

// A non-empty object or array at `indent`; with first_inline, the first line continues a "- ".
void emit(std::string& out, const Json& v, size_t indent, bool first_inline) {
  bool first = true;
  for (auto it = v.begin(); it != v.end(); ++it, first = false) {
    if (!(first && first_inline)) out.append(indent, ' ');
    if (v.is_object()) {
      out += scalar(Json(it.key())) + ":";
      emit_value(out, *it, indent);
    } else if (it->is_object() && !it->empty()) {
      out += "- ";
      emit(out, *it, indent + 2, true);
    } else {
      out += "-";
      emit_value(out, *it, indent + 2);
    }
  }
}

} // namespace

std::string emit_yaml(const Json& tree) {
  if (!is_block(tree)) return scalar(tree) + "\n";
  std::string out;
  emit(out, tree, 0, false);
  return out;
}

} // namespace nvrunc::cdi::detail
