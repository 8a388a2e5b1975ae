// What every TOML text goes through before toml++ parses it (config.toml here, containerd's and
// CRI-O's configuration files in the engine module).
//
// toml++ 3.3 (Debian 12) reaches __builtin_unreachable() when its parser asks whether one of some
// non-ASCII characters (U+00A1-U+0499, U+2D6E-U+3167) is whitespace (marzer/tomlplusplus#190,
// fixed upstream after 3.4): undefined behaviour on a file with, say, a `©` in the wrong place.
// refuse_toml_hazards refuses (Errc::bad_config, with line and column) every text that would take
// toml++ there, and no text toml++ reads correctly, except one with a non-ASCII character right
// after a line-ending backslash in a """ string. ASCII text costs one scan.
#pragma once

#include <string_view>

#include "nvrunc/common/error.hpp"

namespace nvrunc::config {

Result<void> refuse_toml_hazards(std::string_view text, std::string_view name);

} // namespace nvrunc::config
