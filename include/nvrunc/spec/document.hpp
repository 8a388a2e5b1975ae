// config.json as an ordered JSON tree: unknown keys, key order and exact 64-bit integers survive a
// load/save round trip (OCI config.md "Extensibility"; runc exec re-reads the file later).
//
// save() is atomic (temporary file in the bundle, fsync, rename, directory fsync) and keeps the
// file's mode and owner, and its indentation style (compact, tabs or N spaces).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "nvrunc/common/error.hpp"

namespace nvrunc::spec {

using Json = nlohmann::ordered_json;

// How the original file was laid out, so a rewrite looks like the original.
struct Layout {
  int indent = -1; // -1 = compact
  char indent_char = ' ';
  bool trailing_newline = false;
};

struct Document {
  std::string path;     // the config.json path
  std::string original; // the bytes read
  Json json;            // the parsed tree (edit this)
  Layout layout;
  mode_t mode = 0644;
  uid_t uid = 0;
  gid_t gid = 0;
};

// Nesting deeper than this is refused: no real spec comes close, and it bounds recursion.
inline constexpr int max_depth = 256;

// Parses JSON text into an ordered tree. Fails with Errc::bad_spec naming `name` and the position.
// Plain text (src/spec/fast_parse.hpp) takes a fast path; anything else is nlohmann's parser's.
Result<Json> parse(std::string_view text, std::string_view name);

namespace detail {
// parse() through nlohmann's parser alone: what the fast path must agree with (tests, fuzzing).
Result<Json> parse_reference(std::string_view text, std::string_view name);
// The same tree with the same node types and key order (Json's == takes 1u, 1 and 1.0 as equal,
// while serialize() writes them differently).
bool identical(const Json& a, const Json& b);
} // namespace detail

// Loads <bundle>/config.json. Fails with Errc::not_found when the bundle or file is missing.
Result<Document> load(const std::string& bundle);

// Prints one object of an Appendix: its members in order, in the writer's layout. Keys are plain
// ASCII names (printed as they are); values print exactly as the same values in a tree would.
class ObjectPrinter {
public:
  virtual void member(std::string_view key, const std::string& value) = 0;
  virtual void member(std::string_view key, std::int64_t value) = 0;
  virtual void member(std::string_view key, bool value) = 0;
  virtual void member(std::string_view key, const std::vector<std::string>& values) = 0;

protected:
  ~ObjectPrinter() = default;
};

// Objects printed after an array's own elements without being in the tree: edits::Deferred holds
// the entries an edit appends as the edits themselves, and they print as the tree holding them
// would print, without building their nodes. An array is known by its Json::array_t, which stays
// in place when its Json is moved (not when it is copied).
class Appendix {
public:
  virtual size_t count(const Json::array_t& array) const = 0; // how many follow `array` (most: 0)
  virtual void print(const Json::array_t& array, size_t i, ObjectPrinter& out) const = 0; // the i-th

protected:
  ~Appendix() = default;
};

// Serialises in the given layout, with `appendix`'s objects after their arrays' elements. A tree
// holding binary data (never parsed from text) prints as dump() prints it, without an appendix.
std::string serialize(const Json& json, const Layout& layout, const Appendix* appendix = nullptr);
// Writes what serialize() gives to the file `fd`, through a buffer (`path` names it in errors).
// Fails with Errc::bad_spec for a tree holding binary data with an appendix.
Result<void> write(int fd, const Json& json, const Layout& layout, const std::string& path,
                   const Appendix* appendix = nullptr);

// Detects the layout of JSON text (used by load).
Layout detect_layout(std::string_view text);

// Writes `doc.json` (with `appendix`'s objects) back to `doc.path` atomically, in the original
// layout, mode and owner.
Result<void> save(const Document& doc, const Appendix* appendix = nullptr);

} // namespace nvrunc::spec
