// YAML text to a checked tree, guided by the schema table: each scalar is read as the type of the
// field it belongs to, the way the reference library's YAML-to-JSON step does (sigs.k8s.io/yaml
// converts towards the Go field's type). So `name: 0` is the string "0", `major: "195"` is refused
// (a quoted scalar is a string), and no YAML 1.1 versus 1.2 guessing applies to strings.
//
// Plain integers follow go-yaml v2, as the reference library does: optional sign, '_' separators,
// 0x hex, 0o and leading-0 octal, 0b binary (so `fileMode: 0666` is 438). Plain booleans accept
// the YAML 1.1 words (true/false, yes/no, on/off, y/n).
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <set>
#include <sstream>

#include "tree.hpp"

namespace nvrunc::cdi::detail {

namespace {

// Aliases share nodes: a few lines can expand to billions of values. Without aliases a document
// holds fewer values than bytes; allowing 8 per byte leaves room for aliased option lists.
size_t max_values(std::string_view text) { return 8 * text.size() + 4096; }

// Well-formed UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF; what
// JSON output can hold.
bool valid_utf8(std::string_view s) {
  const auto byte = [&](size_t i) { return i < s.size() ? static_cast<unsigned char>(s[i]) : 0u; };
  for (size_t i = 0; i < s.size();) {
    const unsigned c = byte(i);
    size_t n = 0;
    unsigned low = 0x80, high = 0xbf; // the allowed range of the second byte
    if (c < 0x80) n = 1;
    else if (c >= 0xc2 && c <= 0xdf) n = 2;
    else if (c >= 0xe0 && c <= 0xef) n = 3, low = c == 0xe0 ? 0xa0 : 0x80, high = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4) n = 4, low = c == 0xf0 ? 0x90 : 0x80, high = c == 0xf4 ? 0x8f : 0xbf;
    else return false;
    if (n > 1 && (byte(i + 1) < low || byte(i + 1) > high)) return false;
    for (size_t k = 2; k < n; ++k)
      if (byte(i + k) < 0x80 || byte(i + k) > 0xbf) return false;
    i += n;
  }
  return true;
}

struct YamlInt {
  bool negative = false;
  std::uint64_t magnitude = 0;
};

std::optional<YamlInt> parse_int(std::string_view text) {
  std::string s;
  for (char c : text)
    if (c != '_') s += c;
  YamlInt out;
  std::string_view v = s;
  if (!v.empty() && (v[0] == '+' || v[0] == '-')) {
    out.negative = v[0] == '-';
    v.remove_prefix(1);
  }
  unsigned base = 10;
  if (v.size() > 1 && v[0] == '0') {
    const char p = static_cast<char>(v[1] | 0x20);
    base = p == 'x' ? 16 : p == 'o' ? 8 : p == 'b' ? 2 : 8;
    v.remove_prefix(p == 'x' || p == 'o' || p == 'b' ? 2 : 1);
  }
  if (v.empty()) return std::nullopt;
  for (char c : v) {
    const char l = static_cast<char>(c | 0x20);
    const unsigned d = c >= '0' && c <= '9' ? unsigned(c - '0') : l >= 'a' && l <= 'f' ? unsigned(l - 'a' + 10) : 99;
    if (d >= base || out.magnitude > (UINT64_MAX - d) / base) return std::nullopt;
    out.magnitude = out.magnitude * base + d;
  }
  return out;
}

std::optional<bool> parse_bool(std::string_view text) {
  for (const char* word : {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y"})
    if (text == word) return true;
  for (const char* word : {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N"})
    if (text == word) return false;
  return std::nullopt;
}

class Converter {
public:
  explicit Converter(size_t max_values) : m_max_values(max_values) {}
  Result<Json> object(const YAML::Node& node, const Shape& shape, const std::string& path);

private:
  Result<Json> value(const YAML::Node& node, const Field& field, const std::string& path);
  Result<Json> scalar(const YAML::Node& node, Type type, const std::string& path);
  Result<Json> integer(const YAML::Node& node, Type type, const std::string& path);
  Result<Json> sequence(const YAML::Node& node, const Field& field, const std::string& path);
  Result<Json> string_map(const YAML::Node& node, const std::string& path);
  tl::unexpected<Error> refuse(const YAML::Node& node, const std::string& message) const;
  tl::unexpected<Error> mismatch(const YAML::Node& node, Type expected, const std::string& path) const;
  Result<void> count(const YAML::Node& node);

  size_t m_max_values;
  size_t m_values = 0;
};

tl::unexpected<Error> Converter::refuse(const YAML::Node& node, const std::string& message) const {
  const YAML::Mark mark = node.Mark();
  return fail(Errc::bad_spec, message + (mark.is_null() ? "" : " (line " + std::to_string(mark.line + 1) + ")"));
}

tl::unexpected<Error> Converter::mismatch(const YAML::Node& node, Type expected, const std::string& path) const {
  std::string got = "a scalar";
  if (node.IsNull()) got = "null";
  else if (node.IsSequence()) got = "an array";
  else if (node.IsMap()) got = "an object";
  else if (node.Tag() == "!") got = "a quoted string";
  return refuse(node, type_mismatch(path, expected, got));
}

Result<void> Converter::count(const YAML::Node& node) {
  if (++m_values > m_max_values)
    return refuse(node, "more than " + std::to_string(m_max_values) + " values (aliases expand too far)");
  return {};
}

Result<Json> Converter::integer(const YAML::Node& node, Type type, const std::string& path) {
  const auto parsed = parse_int(node.Scalar());
  if (!parsed) return mismatch(node, type, path);
  if (!parsed->negative) {
    if (!fits(type, parsed->magnitude)) return refuse(node, path + ": " + node.Scalar() + " is out of range");
    if (parsed->magnitude > INT64_MAX) return Json(parsed->magnitude);
    return Json(static_cast<std::int64_t>(parsed->magnitude));
  }
  if (parsed->magnitude > std::uint64_t{1} << 63) return refuse(node, path + ": " + node.Scalar() + " is out of range");
  const auto value = static_cast<std::int64_t>(0 - parsed->magnitude);
  if (!fits(type, value)) return refuse(node, path + ": " + node.Scalar() + " is out of range");
  return Json(value);
}

Result<Json> Converter::scalar(const YAML::Node& node, Type type, const std::string& path) {
  if (!node.IsScalar()) return mismatch(node, type, path);
  if (auto r = count(node); !r) return fail(std::move(r.error()));
  const std::string& tag = node.Tag();
  const bool as_string = tag == "!" || tag == "tag:yaml.org,2002:str";
  if (!as_string && tag != "?" && tag != "tag:yaml.org,2002:int" && tag != "tag:yaml.org,2002:bool")
    return refuse(node, path + ": unsupported tag `" + tag + "`");
  if (type == Type::string) {
    if (!valid_utf8(node.Scalar())) return refuse(node, path + ": not valid UTF-8");
    return Json(node.Scalar());
  }
  if (as_string) return mismatch(node, type, path);
  if (type == Type::boolean) {
    if (auto b = parse_bool(node.Scalar())) return Json(*b);
    return mismatch(node, type, path);
  }
  return integer(node, type, path);
}

Result<Json> Converter::sequence(const YAML::Node& node, const Field& field, const std::string& path) {
  if (!node.IsSequence()) return mismatch(node, field.type, path);
  Json out = Json::array();
  for (size_t i = 0; i < node.size(); ++i) {
    const YAML::Node element = node[i];
    const std::string p = index_path(path, i);
    Result<Json> v = field.type == Type::objects  ? object(element, *field.shape, p)
                     : field.type == Type::strings ? scalar(element, Type::string, p)
                                                   : scalar(element, Type::uint32, p);
    if (!v) return v;
    out.push_back(std::move(*v));
  }
  return out;
}

Result<Json> Converter::string_map(const YAML::Node& node, const std::string& path) {
  if (!node.IsMap()) return mismatch(node, Type::string_map, path);
  Json out = Json::object();
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) return refuse(it->first, path + ": keys must be strings");
    const std::string p = member_path(path, it->first.Scalar());
    if (out.contains(it->first.Scalar())) return refuse(it->first, p + ": duplicate key");
    NVRUNC_TRY(v, scalar(it->second, Type::string, p));
    out[it->first.Scalar()] = std::move(v);
  }
  return out;
}

Result<Json> Converter::value(const YAML::Node& node, const Field& field, const std::string& path) {
  if (node.IsNull()) return Json(nullptr);
  switch (field.type) {
  case Type::strings:
  case Type::uint32s:
  case Type::objects: return sequence(node, field, path);
  case Type::string_map: return string_map(node, path);
  case Type::object: return object(node, *field.shape, path);
  default: return scalar(node, field.type, path);
  }
}

Result<Json> Converter::object(const YAML::Node& node, const Shape& shape, const std::string& path) {
  if (!node.IsMap()) return mismatch(node, Type::object, path);
  if (auto r = count(node); !r) return fail(std::move(r.error()));
  Json out = Json::object();
  std::set<std::string> seen;
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (!it->first.IsScalar()) return refuse(it->first, (path.empty() ? "document" : path) + ": keys must be strings");
    const std::string& key = it->first.Scalar();
    const std::string p = member_path(path, key);
    if (!seen.insert(key).second) return refuse(it->first, p + ": duplicate key");
    const Field* field = find_field(shape, key);
    if (field == nullptr) return refuse(it->first, p + ": unknown field");
    NVRUNC_TRY(v, value(it->second, *field, p));
    if (!v.is_null()) out[key] = std::move(v);
  }
  return out;
}

// Sees parse events and keeps none: for counting documents.
class Discard : public YAML::EventHandler {
public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// The number of documents, counting up to two. Not YAML::LoadAll: yaml-cpp 0.7 reports a ',' at
// document level (`[a],`, a lone `,`) as a null document without consuming it, so LoadAll never
// returns and fills memory (found by fuzzing).
int count_documents(const std::string& text) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  Discard events;
  int n = 0;
  while (n < 2 && parser.HandleNextDocument(events)) ++n;
  return n;
}

} // namespace

Result<Json> yaml_tree(std::string_view text) {
  const std::string input(text);
  int documents = 0;
  YAML::Node root;
  try {
    documents = count_documents(input);
    if (documents == 1) root = YAML::Load(input);
  } catch (const YAML::Exception& e) {
    std::string where = e.mark.is_null() ? "" : " at line " + std::to_string(e.mark.line + 1) + ", column " +
                                                    std::to_string(e.mark.column + 1);
    return fail(Errc::bad_spec, "invalid YAML" + where + ": " + e.msg);
  }
  if (documents > 1) return fail(Errc::bad_spec, "more than one YAML document");
  if (documents == 0 || root.IsNull()) return fail(Errc::bad_spec, "empty document");
  try {
    return Converter(max_values(text)).object(root, spec_shape(), "");
  } catch (const YAML::Exception& e) {
    return fail(Errc::bad_spec, "invalid YAML: " + e.msg);
  }
}

} // namespace nvrunc::cdi::detail
