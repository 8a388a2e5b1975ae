// TOML files that people wrote and commented, edited without losing what they wrote.
//
// toml++ parses and checks (it is the judge of what a text means) but cannot write a document back
// with its comments and layout. So an edit never rewrites the file. It goes like this:
//
// 1. The caller computes the *target*: the parsed tree of the file with the wanted changes applied
//    (toml++ tables, so the change is expressed on meaning, not text).
// 2. edit_to_match() diffs the file's tree against the target and turns each difference into the
//    narrowest text edit: a changed value is replaced where it stands (its source span), a missing
//    key is inserted as one line into its table's existing `[header]` section, a missing table is
//    inserted as a new section right after the section that shares most of its path (so
//    `...runtimes.nvidia` lands next to `...runtimes.runc`), in the indentation the file uses.
//    Removing keys, changing arrays of tables and the like are not done textually.
// 3. The edited text is parsed again and must equal the target exactly. When it does not (for
//    example the table was defined by dotted keys or is an inline table, where a new [header]
//    would be illegal), or step 2 could not express the change, the whole file is rendered from
//    the target: comments are lost, and the caller says so and keeps the backup.
//
// Everything here is pure; a wrong edit is caught by step 3 and can never reach the disk.
#pragma once

// toml++ is used header-only (TOML_HEADER_ONLY=1 comes from the target), as in nvrunc_config.
// toml++'s own assertions are debug checks of its parser's invariants, and 3.3's are wrong for some
// malformed input (`s=[}`, `[/x]`: found by fuzz_config); without them, as in every NDEBUG build,
// the same input is a parse error. Off in every build, so that debug and fuzz builds parse as
// release builds do.
#define TOML_ASSERT(expr) static_assert(true)
#include <toml++/toml.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/common/error.hpp"

namespace nvrunc::engine::toml_doc {

using Path = std::vector<std::string>;

// Parses TOML; Errc::bad_config "parse `name`: <what> (line L, column C)".
Result<toml::table> parse(std::string_view text, std::string_view name);

// How new sections are laid out: headers `indent_step` spaces more per table depth, keys
// `body_indent` more than their header (containerd's own dump indents both by 2; CRI-O's files by 0).
struct Style {
  int indent_step = 2;
  int body_indent = 2;
};

// The text of a whole document: root values, then each table as a [section] (sorted keys, as
// toml++ keeps them), arrays of tables as [[sections]]. `header` (comment lines) goes first.
std::string render_document(const toml::table& doc, const Style& style, std::string_view header = {});

// One value as TOML source: "quoted" strings, [ arrays ], { inline = tables }.
std::string render_value(const toml::node& value);
// A key: bare when it can be, else "quoted".
std::string render_key(std::string_view key);
std::string render_path(const Path& path);
// A new [section] for `t` at `path` (and its sub-sections), its header indented by `indent`.
std::string render_section_text(const toml::table& t, const Path& path, int indent, const Style& style);

struct EditResult {
  std::string text;
  bool rewritten = false; // the file had to be rendered whole (comments lost)
};

// Step 2 and 3 above. `text` is parsed again here: the edit needs every node's source position,
// which toml++ does not keep in copies of a tree. A text that does not parse is rendered whole.
EditResult edit_to_match(std::string_view text, const toml::table& target, const Style& style);

// Navigation helpers on trees (nullptr when absent or of another type).
const toml::table* find_table(const toml::table& root, const Path& path);
toml::table& ensure_table(toml::table& root, const Path& path);
std::optional<std::string> get_string(const toml::table& t, std::string_view key);
std::optional<bool> get_bool(const toml::table& t, std::string_view key);
std::vector<std::string> get_strings(const toml::table& t, std::string_view key);

} // namespace nvrunc::engine::toml_doc
