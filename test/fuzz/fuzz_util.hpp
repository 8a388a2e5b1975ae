// Helpers shared by the libFuzzer targets (test/fuzz/README in RESULTS.md).
//
// A target aborts on purpose when a property the module promises does not hold (idempotent apply,
// lossless round trip, ...): libFuzzer then saves the input as a crash, like a sanitizer report.
// Exceptions that escape a module are bugs too (the error contract says third-party throws are
// caught at the adapter): libFuzzer reports an escaping exception as a crash (abort in terminate).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace nvrunc::fuzz {

// Aborts with a message when a promised property is broken.
inline void expect(bool holds, const char* property) {
  if (holds) return;
  std::fprintf(stderr, "fuzz: property broken: %s\n", property);
  std::abort();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Splits on `sep`, keeping empty fields.
inline std::vector<std::string> split_all(std::string_view text, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto pos = text.find(sep, start);
    out.emplace_back(text.substr(start, pos == std::string_view::npos ? std::string_view::npos : pos - start));
    if (pos == std::string_view::npos) return out;
    start = pos + 1;
  }
}

// NVRUNC_FUZZ_SKIP_KNOWN (run.sh --skip-known LIST) lets a target step around bugs already reported,
// each a file in test/fuzz/regressions/<target>/<name>, so a long run can look for new ones:
// a comma list of names, or "all". Without it (the default, and the smoke test) those inputs fail
// until the module is fixed.
inline const char* known_bug_list() {
  static const char* list = std::getenv("NVRUNC_FUZZ_SKIP_KNOWN");
  return list;
}

inline bool skip_known(std::string_view name) {
  const char* list = known_bug_list();
  if (!list) return false;
  const std::string_view all(list);
  if (all == "all" || all == "1") return true;
  for (const auto& item : split_all(all, ','))
    if (item == name) return true;
  return false;
}

} // namespace nvrunc::fuzz
