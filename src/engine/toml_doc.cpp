// The comment-preserving edit of toml_doc.hpp.
#include "toml_doc.hpp"

#include <algorithm>
#include <deque>
#include <map>

namespace nvrunc::engine::toml_doc {

namespace {

bool is_section(const toml::node& n) { return n.is_table() && !n.as_table()->is_inline(); }
bool is_section_array(const toml::node& n) {
  const auto* a = n.as_array();
  return a != nullptr && !a->empty() && std::all_of(a->begin(), a->end(), [](const auto& e) { return is_section(e); });
}

bool same(const toml::node& a, const toml::node& b) {
  if (a.type() != b.type()) return false;
  switch (a.type()) {
  case toml::node_type::table: return *a.as_table() == *b.as_table();
  case toml::node_type::array: return *a.as_array() == *b.as_array();
  case toml::node_type::string: return *a.as_string() == *b.as_string();
  case toml::node_type::integer: return *a.as_integer() == *b.as_integer();
  case toml::node_type::floating_point: return *a.as_floating_point() == *b.as_floating_point();
  case toml::node_type::boolean: return *a.as_boolean() == *b.as_boolean();
  case toml::node_type::date: return *a.as_date() == *b.as_date();
  case toml::node_type::time: return *a.as_time() == *b.as_time();
  case toml::node_type::date_time: return *a.as_date_time() == *b.as_date_time();
  case toml::node_type::none: return true;
  }
  return false;
}

// The text split into lines, with toml++'s 1-based code-point positions turned into byte offsets.
class Lines {
public:
  explicit Lines(std::string_view text) : m_text(text) {
    m_start.push_back(0);
    for (size_t i = 0; i < text.size(); ++i)
      if (text[i] == '\n' && i + 1 < text.size()) m_start.push_back(i + 1);
  }
  size_t count() const { return m_text.empty() ? 0 : m_start.size(); }
  std::string_view line(size_t i) const {
    size_t end = i + 1 < m_start.size() ? m_start[i + 1] : m_text.size();
    std::string_view l = m_text.substr(m_start[i], end - m_start[i]);
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.remove_suffix(1);
    return l;
  }
  // Offset of the line after line i (or the end of the text).
  size_t after(size_t i) const { return i + 1 < m_start.size() ? m_start[i + 1] : m_text.size(); }
  size_t offset(const toml::source_position& p) const {
    size_t line = p.line - 1, off = m_start[line], cp = 1;
    while (cp < p.column && off < m_text.size() && m_text[off] != '\n') {
      ++off;
      while (off < m_text.size() && (static_cast<unsigned char>(m_text[off]) & 0xC0) == 0x80) ++off;
      ++cp;
    }
    return off;
  }

private:
  std::string_view m_text;
  std::vector<size_t> m_start;
};

struct Header {
  Path path;
  bool array = false;
  size_t line = 0, end = 0; // its section: [line, end)
  std::string indent;
};

// Parses the key path of a header line ("  [a."b.c".'d']  # x"); nullopt if it is not one.
std::optional<Header> parse_header(std::string_view line) {
  Header h;
  size_t i = line.find_first_not_of(" \t");
  if (i == std::string_view::npos || line[i] != '[') return std::nullopt;
  h.indent = std::string(line.substr(0, i));
  ++i;
  if (i < line.size() && line[i] == '[') h.array = true, ++i;
  auto skip = [&] {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
  };
  while (true) {
    skip();
    if (i >= line.size()) return std::nullopt;
    std::string key;
    if (line[i] == '"') {
      for (++i; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size()) {
          char e = line[++i];
          key += e == 'n' ? '\n' : e == 't' ? '\t' : e; // escapes other than these never name containerd keys
        } else {
          key += line[i];
        }
      }
      ++i;
    } else if (line[i] == '\'') {
      size_t close = line.find('\'', i + 1);
      if (close == std::string_view::npos) return std::nullopt;
      key = std::string(line.substr(i + 1, close - i - 1));
      i = close + 1;
    } else {
      while (i < line.size() && line[i] != '.' && line[i] != ']' && line[i] != ' ' && line[i] != '\t') key += line[i++];
    }
    h.path.push_back(std::move(key));
    skip();
    if (i < line.size() && line[i] == '.') {
      ++i;
      continue;
    }
    if (i < line.size() && line[i] == ']') return h;
    return std::nullopt;
  }
}

bool is_content(std::string_view line) {
  size_t i = line.find_first_not_of(" \t");
  return i != std::string_view::npos && line[i] != '#';
}

// The structure of the text: which lines continue a multi-line value, and the [section] headers.
class Layout {
public:
  Layout(std::string_view text, const toml::table& tree) : m_lines(text), m_continued(m_lines.count(), false) {
    mark_values(tree);
    for (size_t i = 0; i < m_lines.count(); ++i) {
      if (m_continued[i]) continue;
      if (auto h = parse_header(m_lines.line(i))) {
        h->line = i;
        if (!m_headers.empty()) m_headers.back().end = i;
        m_headers.push_back(std::move(*h));
      }
    }
    if (!m_headers.empty()) m_headers.back().end = m_lines.count();
  }

  const Lines& lines() const { return m_lines; }
  const std::vector<Header>& headers() const { return m_headers; }
  size_t root_end() const { return m_headers.empty() ? m_lines.count() : m_headers.front().line; }
  bool content(size_t i) const { return m_continued[i] || is_content(m_lines.line(i)); }

  // The last line of [first, end) that holds a key or value; nullopt when none does.
  std::optional<size_t> last_content(size_t first, size_t end) const {
    for (size_t i = end; i > first; --i)
      if (content(i - 1)) return i - 1;
    return std::nullopt;
  }
  const Header* find(const Path& path) const {
    const Header* found = nullptr;
    for (const auto& h : m_headers)
      if (!h.array && h.path == path) found = &h;
    return found;
  }
  bool indented() const {
    return std::any_of(m_headers.begin(), m_headers.end(), [](const Header& h) { return !h.indent.empty(); });
  }
  // Extra indentation of a section's keys over its header, as the file does it.
  std::optional<int> body_extra() const {
    for (const auto& h : m_headers)
      for (size_t i = h.line + 1; i < h.end; ++i)
        if (!m_continued[i] && is_content(m_lines.line(i))) {
          auto line = m_lines.line(i);
          return static_cast<int>(line.find_first_not_of(" \t")) - static_cast<int>(h.indent.size());
        }
    return std::nullopt;
  }

private:
  void mark_values(const toml::table& t) {
    for (const auto& [k, v] : t) {
      if (is_section(v)) {
        mark_values(*v.as_table());
      } else if (is_section_array(v)) {
        for (const auto& e : *v.as_array()) mark_values(*e.as_table());
      } else {
        const auto& src = v.source();
        for (auto l = src.begin.line + 1; l <= src.end.line && l <= m_continued.size(); ++l) m_continued[l - 1] = true;
      }
    }
  }
  Lines m_lines;
  std::vector<bool> m_continued;
  std::vector<Header> m_headers;
};

struct Edit {
  size_t begin, end;
  std::string text;
  size_t seq;
};

class Editor {
public:
  Editor(std::string_view text, const toml::table& current, const Style& style)
      : m_text(text), m_current(current), m_layout(text, current), m_style(style) {}

  // Fills the edits; false when a difference cannot be expressed as an edit.
  bool diff(const toml::table& cur, const toml::table& tgt, const Path& path) {
    for (const auto& [k, v] : cur)
      if (!tgt.contains(k.str())) return false; // removals are not done textually
    for (const auto& [k, tv] : tgt) {
      Path child = path;
      child.emplace_back(k.str());
      const toml::node* cv = cur.get(k.str());
      if (cv == nullptr) {
        if (is_section(tv)) m_new_tables.emplace_back(child, tv.as_table());
        else m_new_keys[path].emplace_back(k.str(), &tv);
      } else if (is_section(*cv) && is_section(tv)) {
        if (!diff(*cv->as_table(), *tv.as_table(), child)) return false;
      } else if (is_section(*cv) || is_section_array(*cv)) {
        if (!same(*cv, tv)) return false;
      } else if (!same(*cv, tv)) {
        const auto& src = cv->source();
        if (src.begin.line == 0 || src.end.line == 0) return false;
        add(m_layout.lines().offset(src.begin), m_layout.lines().offset(src.end), render_value(tv));
      }
    }
    return true;
  }

  std::string apply() {
    for (auto& [path, keys] : m_new_keys) insert_keys(path, keys);
    for (const auto& [path, table] : m_new_tables) insert_table(path, *table);
    std::sort(m_edits.begin(), m_edits.end(), [](const Edit& a, const Edit& b) {
      return a.begin != b.begin ? a.begin > b.begin : a.seq > b.seq;
    });
    std::string out(m_text);
    for (const auto& e : m_edits) out.replace(e.begin, e.end - e.begin, e.text);
    return out;
  }

private:
  void add(size_t begin, size_t end, std::string text) { m_edits.push_back({begin, end, std::move(text), m_edits.size()}); }

  // Where text goes after line `line` (or at the start of the text when nullopt).
  void insert_after(std::optional<size_t> line, std::string text) {
    size_t at = line ? m_layout.lines().after(*line) : 0;
    if (at == m_text.size() && !m_text.empty() && m_text.back() != '\n') text.insert(0, "\n");
    add(at, at, std::move(text));
  }

  // A file without sections gets the engine's own layout; otherwise the file's is followed.
  bool use_indent() const { return m_layout.headers().empty() ? m_style.indent_step > 0 : m_layout.indented(); }
  int body_extra() const {
    if (m_layout.headers().empty()) return m_style.body_indent;
    return m_layout.body_extra().value_or(use_indent() ? m_style.body_indent : 0);
  }

  void insert_keys(const Path& path, const std::vector<std::pair<std::string, const toml::node*>>& keys) {
    if (path.empty()) {
      std::optional<size_t> after = m_layout.last_content(0, m_layout.root_end());
      if (!after && m_layout.root_end() > 0) {
        // Only comments above the first section: they belong to it, so go above them.
        size_t first = m_layout.root_end();
        while (first > 0 && is_content_or_comment(first - 1)) --first;
        after = first == 0 ? std::nullopt : std::optional<size_t>(first - 1);
      }
      std::string text;
      for (const auto& [k, v] : keys) text += render_key(k) + " = " + render_value(*v) + "\n";
      if (!after && m_layout.root_end() < m_layout.lines().count()) text += "\n";
      insert_after(after, std::move(text));
      return;
    }
    // The section that holds the table's keys: its own [header], or the section in which dotted
    // keys (`containerd.snapshotter = ...`) defined it; then the new keys are dotted the same way.
    Path relative;
    const Header* h = m_layout.find(path);
    if (h == nullptr) h = dotted_home(path, relative);
    if (h == nullptr) {
      // The table exists only implicitly: a section of its own, checked later.
      auto& t = m_owned.emplace_back();
      for (const auto& [k, v] : keys) t.insert_or_assign(k, *v);
      m_new_tables.emplace_back(path, &t);
      return;
    }
    std::string indent(h->indent.size() + static_cast<size_t>(std::max(0, body_extra())), ' ');
    for (size_t i = h->line + 1; i < h->end; ++i)
      if (m_layout.content(i)) {
        auto line = m_layout.lines().line(i);
        indent = std::string(line.substr(0, line.find_first_not_of(" \t")));
        break;
      }
    const std::string prefix = relative.empty() ? "" : render_path(relative) + ".";
    std::string text;
    for (const auto& [k, v] : keys) text += indent + prefix + render_key(k) + " = " + render_value(*v) + "\n";
    insert_after(m_layout.last_content(h->line + 1, h->end).value_or(h->line), std::move(text));
  }

  // The 1-based line of some value under `t` (0 when it holds none).
  static size_t some_value_line(const toml::table& t) {
    for (const auto& [k, v] : t) {
      if (const auto* sub = v.as_table(); sub != nullptr && !sub->is_inline()) {
        if (size_t l = some_value_line(*sub)) return l;
      } else if (!is_section_array(v)) {
        return v.source().begin.line;
      }
    }
    return 0;
  }

  // When `path` was made by dotted keys inside the section of its nearest ancestor that has a
  // header: that header, and `path` relative to it.
  const Header* dotted_home(const Path& path, Path& relative) const {
    const toml::table* t = find_table(m_current, path);
    if (t == nullptr) return nullptr;
    for (size_t n = path.size() - 1; n > 0; --n) {
      const Header* h = m_layout.find(Path(path.begin(), path.begin() + static_cast<std::ptrdiff_t>(n)));
      if (h == nullptr) continue;
      const size_t line = some_value_line(*t);
      if (line < h->line + 2 || line > h->end) return nullptr; // its keys live elsewhere
      relative.assign(path.begin() + static_cast<std::ptrdiff_t>(n), path.end());
      return h;
    }
    return nullptr;
  }

  bool is_content_or_comment(size_t i) const {
    auto line = m_layout.lines().line(i);
    return line.find_first_not_of(" \t") != std::string_view::npos;
  }

  void insert_table(const Path& path, const toml::table& table) {
    const Header* anchor = nullptr;
    size_t best = 0;
    for (const auto& h : m_layout.headers()) {
      if (h.array) continue;
      size_t common = 0;
      while (common < h.path.size() && common < path.size() && h.path[common] == path[common]) ++common;
      if (common > 0 && common >= best) best = common, anchor = &h;
    }
    int indent = 0;
    std::optional<size_t> after;
    if (anchor != nullptr) {
      after = m_layout.last_content(anchor->line + 1, anchor->end).value_or(anchor->line);
      if (use_indent())
        indent = static_cast<int>(anchor->indent.size()) +
                 m_style.indent_step * (static_cast<int>(path.size()) - static_cast<int>(anchor->path.size()));
    } else {
      after = m_layout.lines().count() == 0 ? std::nullopt : std::optional<size_t>(m_layout.lines().count() - 1);
      if (use_indent()) indent = m_style.indent_step * (static_cast<int>(path.size()) - 1);
    }
    Style style = m_style;
    if (!use_indent()) style.indent_step = 0;
    style.body_indent = std::max(0, body_extra());
    std::string text = render_section_text(table, path, std::max(0, indent), style);
    insert_after(after, (after ? "\n" : "") + text);
  }

  std::string_view m_text;
  const toml::table& m_current;
  Layout m_layout;
  Style m_style;
  std::vector<Edit> m_edits;
  std::map<Path, std::vector<std::pair<std::string, const toml::node*>>> m_new_keys;
  std::vector<std::pair<Path, const toml::table*>> m_new_tables;
  std::deque<toml::table> m_owned;
};

} // namespace

EditResult edit_to_match(std::string_view text, const toml::table& target, const Style& style) {
  auto current = parse(text, "edited");
  if (!current) return {render_document(target, style), true};
  if (*current == target) return {std::string(text), false};
  Editor editor(text, *current, style);
  if (editor.diff(*current, target, {})) {
    std::string edited = editor.apply();
    auto reparsed = parse(edited, "edited");
    if (reparsed && *reparsed == target) return {std::move(edited), false};
  }
  return {render_document(target, style), true};
}

} // namespace nvrunc::engine::toml_doc
