// config.toml (config::parse): toolkit-compatible keys plus [nvrunc]. Written by an operator, but
// parsed on every create, and an existing toolkit file must never crash the shim.
// Input: TOML text.
// Properties: nothing throws (toml++ errors become Errc::bad_config); a parsed config satisfies
// the documented invariants (a non-empty runtimes list, absolute [nvrunc] paths, a host ldconfig);
// where the reader of plain TOML (src/config/toml_subset.hpp) takes the text, toml++ reads the
// very same table from it.
#include "fuzz_util.hpp"
#include "nvrunc/config/config.hpp"

using namespace nvrunc;

namespace {

// KNOWN BUG (regressions/config/toml-nonascii-*, skip name "toml-nonascii"): toml++ 3.3.0 (Debian
// 12) reaches __builtin_unreachable() in is_non_ascii_horizontal_whitespace() for U+00A1-U+0499 and
// U+2D6E-U+3167 where it expects whitespace (marzer/tomlplusplus#190, #295; fixed upstream by #305).
bool has_unreachable_code_point(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto b = static_cast<unsigned char>(text[i]);
    char32_t c = 0;
    if ((b & 0xE0) == 0xC0 && i + 1 < text.size()) c = char32_t(b & 0x1F) << 6 | (text[i + 1] & 0x3F);
    else if ((b & 0xF0) == 0xE0 && i + 2 < text.size())
      c = char32_t(b & 0x0F) << 12 | char32_t(text[i + 1] & 0x3F) << 6 | (text[i + 2] & 0x3F);
    if ((c >= 0xA1 && c < 0x49A) || (c >= 0x2D6E && c < 0x3168)) return true;
  }
  return false;
}

bool absolute_or_empty(const std::string& path) { return path.empty() || path.front() == '/'; }

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return -1;
  if (fuzz::skip_known("toml-nonascii") && has_unreachable_code_point(fuzz::as_text(data, size))) return -1;
  const std::string_view text = fuzz::as_text(data, size);
  if (auto agrees = config::detail::toml_subset_agrees(text))
    fuzz::expect(*agrees, "the subset reader reads what toml++ reads");
  auto config = config::parse(text, "fuzz/config.toml");
  if (!config) {
    fuzz::expect(config.error().code() == Errc::bad_config, "a bad file is bad_config");
    return 0;
  }
  fuzz::expect(!config->runtimes.empty(), "runtimes is never empty");
  fuzz::expect(config->ldconfig.size() >= 2 && config->ldconfig.rfind("@/", 0) == 0, "ldconfig is a host path");
  fuzz::expect(!config->driver_root.empty() && config->driver_root.front() == '/', "driver root is absolute");
  fuzz::expect(absolute_or_empty(config->dev_root) && absolute_or_empty(config->proc_root) &&
                   absolute_or_empty(config->sys_root) && absolute_or_empty(config->ldcache) &&
                   absolute_or_empty(config->hook_path),
               "[nvrunc] paths are absolute");
  fuzz::expect(config->source == "fuzz/config.toml", "source names the file");
  return 0;
}
