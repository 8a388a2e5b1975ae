#include "nvrunc/spec/document.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
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

Result<void> save(const Document& doc, const Appendix* appendix) {
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
  return os::write_file_atomic_with(doc.path, [&](int fd) { return write(fd, doc.json, doc.layout, doc.path, appendix); }, options);
}

} // namespace nvrunc::spec
