// Internal: the CDI file schema as a table, and the typed JSON tree that sits between text and model.
//
//   JSON text --json_tree.cpp--> Json --check_tree--+
//   YAML text --yaml_tree.cpp----------------------> Json (checked) --decode--> Spec
//   Spec --encode--> Json --dump / emit_yaml--> text
//
// One table (schema.cpp) drives both the strict JSON check and the schema-guided YAML conversion,
// so the two formats accept exactly the same documents. A checked tree may hold nulls: decode
// treats a null member as an absent one.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "nvrunc/cdi/spec.hpp"
#include "nvrunc/common/error.hpp"

namespace nvrunc::cdi::detail {

enum class Type {
  string,
  int64,
  uint32,
  int32,
  boolean,
  strings,    // array of string
  uint32s,    // array of uint32
  string_map, // object of string values
  object,     // object of `shape`
  objects,    // array of object of `shape`
};

struct Shape;

struct Field {
  std::string_view name;
  Type type;
  const Shape* shape = nullptr; // for object and objects
};

struct Shape {
  std::span<const Field> fields;
};

const Shape& spec_shape();
const Field* find_field(const Shape& shape, std::string_view name);

// Field paths as in errors and problems: "devices[1].containerEdits.mounts".
std::string member_path(const std::string& path, std::string_view member);
std::string index_path(const std::string& path, size_t index);

// The message for a value of the wrong type: "<path>: expected an integer, got a string".
std::string type_mismatch(const std::string& path, Type expected, std::string_view got);
// Range checks for integers read from either format.
bool fits(Type type, std::int64_t value);
bool fits(Type type, std::uint64_t value);

// Checks a JSON tree against `shape`: objects only, known fields, types, integer ranges.
Result<void> check_tree(const Json& tree, const Shape& shape, const std::string& path);

// Strict JSON text to tree: duplicate keys and nesting deeper than `max_depth` are refused.
Result<Json> json_tree(std::string_view text);

// YAML text to a checked tree, schema-guided (yaml_tree.cpp).
Result<Json> yaml_tree(std::string_view text);

// A checked tree to the model and back. encode writes members in the canonical order and omits
// absent and empty optional ones.
Spec decode(const Json& tree);
Json encode(const Spec& spec);

// A tree as block-style YAML; strings are quoted whenever a YAML reader could take them for
// anything but that string (emit_yaml.cpp).
std::string emit_yaml(const Json& tree);

inline constexpr int max_depth = 64;

} // namespace nvrunc::cdi::detail
