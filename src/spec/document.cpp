#include "nvrunc/spec/document.hpp"

#include <cctype>

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
  std::string out = layout.indent < 0 ? json.dump() : json.dump(layout.indent, layout.indent_char);
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
