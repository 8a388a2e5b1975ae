// The members of every CDI object (specs-go/config.go, v1.1.0) and the strict check of a JSON tree.
#include <limits>

#include "tree.hpp"

namespace nvrunc::cdi::detail {

namespace {

constexpr Field device_node_fields[] = {
    {"path", Type::string},        {"hostPath", Type::string}, {"type", Type::string},
    {"major", Type::int64},        {"minor", Type::int64},     {"fileMode", Type::uint32},
    {"permissions", Type::string}, {"uid", Type::uint32},      {"gid", Type::uint32},
};
constexpr Shape device_node_shape{device_node_fields};

constexpr Field mount_fields[] = {
    {"hostPath", Type::string},
    {"containerPath", Type::string},
    {"type", Type::string},
    {"options", Type::strings},
};
constexpr Shape mount_shape{mount_fields};

constexpr Field hook_fields[] = {
    {"hookName", Type::string}, {"path", Type::string},  {"args", Type::strings},
    {"env", Type::strings},     {"timeout", Type::int32},
};
constexpr Shape hook_shape{hook_fields};

// enableCMT/enableMBM existed from 0.7.0 to 1.0.0: read so older files load (validate reports them
// in a 1.1.0 spec).
constexpr Field intel_rdt_fields[] = {
    {"closID", Type::string},   {"l3CacheSchema", Type::string},     {"memBwSchema", Type::string},
    {"schemata", Type::strings}, {"enableMonitoring", Type::boolean}, {"enableCMT", Type::boolean},
    {"enableMBM", Type::boolean},
};
constexpr Shape intel_rdt_shape{intel_rdt_fields};

constexpr Field net_device_fields[] = {{"hostInterfaceName", Type::string}, {"name", Type::string}};
constexpr Shape net_device_shape{net_device_fields};

constexpr Field edits_fields[] = {
    {"env", Type::strings},
    {"deviceNodes", Type::objects, &device_node_shape},
    {"mounts", Type::objects, &mount_shape},
    {"hooks", Type::objects, &hook_shape},
    {"additionalGids", Type::uint32s},
    {"intelRdt", Type::object, &intel_rdt_shape},
    {"netDevices", Type::objects, &net_device_shape},
};
constexpr Shape edits_shape{edits_fields};

constexpr Field device_fields[] = {
    {"name", Type::string},
    {"annotations", Type::string_map},
    {"containerEdits", Type::object, &edits_shape},
};
constexpr Shape device_shape{device_fields};

constexpr Field spec_fields[] = {
    {"cdiVersion", Type::string},
    {"kind", Type::string},
    {"annotations", Type::string_map},
    {"devices", Type::objects, &device_shape},
    {"containerEdits", Type::object, &edits_shape},
};
constexpr Shape top_shape{spec_fields};

std::string_view expected_name(Type type) {
  switch (type) {
  case Type::string: return "a string";
  case Type::int64:
  case Type::uint32:
  case Type::int32: return "an integer";
  case Type::boolean: return "a boolean";
  case Type::strings: return "an array of strings";
  case Type::uint32s: return "an array of integers";
  case Type::string_map: return "an object of strings";
  case Type::object: return "an object";
  case Type::objects: return "an array of objects";
  }
  return "a value";
}

std::string_view json_kind(const Json& v) {
  if (v.is_string()) return "a string";
  if (v.is_number_integer()) return "an integer";
  if (v.is_number()) return "a number with a fraction or exponent";
  if (v.is_boolean()) return "a boolean";
  if (v.is_array()) return "an array";
  if (v.is_object()) return "an object";
  return "null";
}

Result<void> mismatch(const std::string& path, Type expected, const Json& got) {
  return fail(Errc::bad_spec, type_mismatch(path, expected, json_kind(got)));
}

Result<void> check_integer(const Json& v, Type type, const std::string& path) {
  if (!v.is_number_integer()) return mismatch(path, type, v);
  const bool ok = v.is_number_unsigned() ? fits(type, v.get<std::uint64_t>()) : fits(type, v.get<std::int64_t>());
  if (!ok) return fail(Errc::bad_spec, path + ": " + v.dump() + " is out of range");
  return {};
}

// Arrays of scalars: every element of the element type.
Result<void> check_array(const Json& v, Type type, Type element, const std::string& path) {
  if (!v.is_array()) return mismatch(path, type, v);
  for (size_t i = 0; i < v.size(); ++i) {
    const std::string p = index_path(path, i);
    if (element == Type::string && !v[i].is_string()) return mismatch(p, element, v[i]);
    if (element == Type::string) continue;
    if (auto r = check_integer(v[i], element, p); !r) return r;
  }
  return {};
}

Result<void> check_value(const Json& v, const Field& field, const std::string& path) {
  if (v.is_null()) return {};
  switch (field.type) {
  case Type::string: return v.is_string() ? Result<void>{} : mismatch(path, field.type, v);
  case Type::boolean: return v.is_boolean() ? Result<void>{} : mismatch(path, field.type, v);
  case Type::int64:
  case Type::uint32:
  case Type::int32: return check_integer(v, field.type, path);
  case Type::strings: return check_array(v, field.type, Type::string, path);
  case Type::uint32s: return check_array(v, field.type, Type::uint32, path);
  case Type::string_map:
    if (!v.is_object()) return mismatch(path, field.type, v);
    for (const auto& [key, value] : v.items())
      if (!value.is_string()) return mismatch(member_path(path, key), Type::string, value);
    return {};
  case Type::object: return check_tree(v, *field.shape, path);
  case Type::objects:
    if (!v.is_array()) return mismatch(path, field.type, v);
    for (size_t i = 0; i < v.size(); ++i)
      if (auto r = check_tree(v[i], *field.shape, index_path(path, i)); !r) return r;
    return {};
  }
  return {};
}

} // namespace

const Shape& spec_shape() { return top_shape; }

const Field* find_field(const Shape& shape, std::string_view name) {
  for (const Field& f : shape.fields)
    if (f.name == name) return &f;
  return nullptr;
}

std::string member_path(const std::string& path, std::string_view member) {
  return path.empty() ? std::string(member) : path + "." + std::string(member);
}

std::string index_path(const std::string& path, size_t index) { return path + "[" + std::to_string(index) + "]"; }

std::string type_mismatch(const std::string& path, Type expected, std::string_view got) {
  return (path.empty() ? std::string("document") : path) + ": expected " + std::string(expected_name(expected)) +
         ", got " + std::string(got);
}

bool fits(Type type, std::int64_t value) {
  switch (type) {
  case Type::uint32: return value >= 0 && value <= std::numeric_limits<std::uint32_t>::max();
  case Type::int32: return value >= std::numeric_limits<int>::min() && value <= std::numeric_limits<int>::max();
  default: return true;
  }
}

bool fits(Type type, std::uint64_t value) {
  switch (type) {
  case Type::uint32: return value <= std::numeric_limits<std::uint32_t>::max();
  case Type::int32: return value <= static_cast<std::uint64_t>(std::numeric_limits<int>::max());
  default: return value <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max());
  }
}

Result<void> check_tree(const Json& tree, const Shape& shape, const std::string& path) {
  if (!tree.is_object()) return mismatch(path, Type::object, tree);
  for (const auto& [key, value] : tree.items()) {
    const std::string p = member_path(path, key);
    const Field* field = find_field(shape, key);
    if (field == nullptr) return fail(Errc::bad_spec, p + ": unknown field");
    if (auto r = check_value(value, *field, p); !r) return r;
  }
  return {};
}

} // namespace nvrunc::cdi::detail
