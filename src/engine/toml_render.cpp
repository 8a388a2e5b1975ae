// Rendering TOML trees as text (toml_doc.hpp): values, keys, and whole documents in the layout
// containerd's `config dump` uses (or flat, for CRI-O).
#include <cmath>
#include <cstdio>
#include <sstream>

#include "toml_doc.hpp"

namespace nvrunc::engine::toml_doc {

namespace {

bool is_bare_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\b': out += "\\b"; break;
    case '\t': out += "\\t"; break;
    case '\n': out += "\\n"; break;
    case '\f': out += "\\f"; break;
    case '\r': out += "\\r"; break;
    default:
      if (c < 0x20 || c == 0x7f) {
        char buf[8];
        std::snprintf(buf, sizeof buf, "\\u%04x", c);
        out += buf;
      } else {
        out += static_cast<char>(c);
      }
    }
  }
  return out + "\"";
}

std::string render_float(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  std::ostringstream os;
  os << toml::value<double>(d);
  return os.str();
}

template <class T>
std::string stream(const toml::node& n) {
  std::ostringstream os;
  os << *n.as<T>();
  return os.str();
}

// A table written as a [section] (not inline), and an array written as [[sections]].
bool is_section(const toml::node& n) { return n.is_table() && !n.as_table()->is_inline(); }
bool is_section_array(const toml::node& n) {
  const auto* a = n.as_array();
  if (a == nullptr || a->empty()) return false;
  for (const auto& e : *a)
    if (!is_section(e)) return false;
  return true;
}

std::string spaces(int n) { return std::string(static_cast<size_t>(n > 0 ? n : 0), ' '); }

void render_body(const toml::table& t, const Path& path, int depth, const Style& style, std::string& out);

void render_values(const toml::table& t, int indent, std::string& out) {
  for (const auto& [k, v] : t)
    if (!is_section(v) && !is_section_array(v))
      out += spaces(indent) + render_key(k.str()) + " = " + render_value(v) + "\n";
}

// A table with sub-sections but no values of its own gets no [header]: its sub-sections' headers
// define it implicitly (as containerd's users write `[plugins."io.containerd.grpc.v1.cri".containerd]`
// without a `[plugins]` above it).
bool needs_header(const toml::table& t) {
  if (t.empty()) return true;
  for (const auto& [k, v] : t)
    if (!is_section(v) && !is_section_array(v)) return true;
  return false;
}

void render_section(const toml::table& t, const Path& path, int depth, bool array, const Style& style,
                    std::string& out) {
  if (!array && !needs_header(t)) {
    render_body(t, path, depth, style, out);
    return;
  }
  const int indent = style.indent_step * (depth - 1);
  if (!out.empty()) out += "\n";
  out += spaces(indent) + (array ? "[[" : "[") + render_path(path) + (array ? "]]" : "]") + "\n";
  render_values(t, indent + style.body_indent, out);
  render_body(t, path, depth, style, out);
}

// The sub-sections of `t` (whose own values are already written).
void render_body(const toml::table& t, const Path& path, int depth, const Style& style, std::string& out) {
  for (const auto& [k, v] : t) {
    Path child = path;
    child.emplace_back(k.str());
    if (is_section(v)) {
      render_section(*v.as_table(), child, depth + 1, false, style, out);
    } else if (is_section_array(v)) {
      for (const auto& e : *v.as_array()) render_section(*e.as_table(), child, depth + 1, true, style, out);
    }
  }
}

} // namespace

std::string render_key(std::string_view key) { return is_bare_key(key) ? std::string(key) : quote(key); }

std::string render_path(const Path& path) {
  std::string out;
  for (const auto& k : path) {
    if (!out.empty()) out += '.';
    out += render_key(k);
  }
  return out;
}

std::string render_value(const toml::node& n) {
  switch (n.type()) {
  case toml::node_type::string: return quote(n.as_string()->get());
  case toml::node_type::integer: return std::to_string(n.as_integer()->get());
  case toml::node_type::floating_point: return render_float(n.as_floating_point()->get());
  case toml::node_type::boolean: return n.as_boolean()->get() ? "true" : "false";
  case toml::node_type::date: return stream<toml::date>(n);
  case toml::node_type::time: return stream<toml::time>(n);
  case toml::node_type::date_time: return stream<toml::date_time>(n);
  case toml::node_type::array: {
    std::string out = "[";
    bool first = true;
    for (const auto& e : *n.as_array()) {
      out += first ? "" : ", ";
      out += render_value(e);
      first = false;
    }
    return out + "]";
  }
  case toml::node_type::table: {
    const auto& t = *n.as_table();
    if (t.empty()) return "{}";
    std::string out = "{ ";
    bool first = true;
    for (const auto& [k, v] : t) {
      out += first ? "" : ", ";
      out += render_key(k.str()) + " = " + render_value(v);
      first = false;
    }
    return out + " }";
  }
  case toml::node_type::none: break;
  }
  return "\"\"";
}

std::string render_document(const toml::table& doc, const Style& style, std::string_view header) {
  std::string out(header);
  render_values(doc, 0, out);
  render_body(doc, {}, 0, style, out);
  return out;
}

std::string render_section_text(const toml::table& t, const Path& path, int indent, const Style& style) {
  // Rendered at depth 1 with the indentation shifted to `indent`: the caller knows where it goes.
  std::string body;
  Style inner = style;
  render_section(t, path, 1, false, inner, body);
  if (indent <= 0) return body;
  std::string out;
  size_t start = 0;
  while (start < body.size()) {
    size_t end = body.find('\n', start);
    if (end == std::string::npos) end = body.size() - 1;
    std::string_view line(body.data() + start, end - start);
    if (!line.empty()) out += spaces(indent);
    out.append(line);
    out += '\n';
    start = end + 1;
  }
  return out;
}

} // namespace nvrunc::engine::toml_doc
