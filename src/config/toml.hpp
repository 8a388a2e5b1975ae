// toml++, included the one way every file of this module must include it (the same definitions in
// every translation unit of a header-only library).
#pragma once

// toml++'s own assertions are debug checks of its parser's invariants, and 3.3's are wrong for some
// malformed input (`s=[}`, `[/x]`: found by fuzz_config); without them, as in every NDEBUG build,
// the same input is a parse error. Off in every build, so that debug and fuzz builds parse as
// release builds do.
#define TOML_ASSERT(expr) static_assert(true)
#include <toml++/toml.h>

#include <string>
#include <string_view>

#include "nvrunc/common/error.hpp"

namespace nvrunc::config::detail {

// The one form of a parse error in a TOML file: ``parse `NAME` at line L, column C: WHAT``.
inline tl::unexpected<Error> parse_error(std::string_view name, size_t line, size_t column, std::string_view what) {
  return fail(Errc::bad_config, "parse `" + std::string(name) + "` at line " + std::to_string(line) + ", column " +
                                    std::to_string(column) + ": " + std::string(what));
}

} // namespace nvrunc::config::detail
