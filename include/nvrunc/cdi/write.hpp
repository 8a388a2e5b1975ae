// Writing CDI specs. Promises:
// - deterministic: the same Spec gives the same bytes; members in one canonical order (SPEC.md's),
//   absent and empty optional members left out, required ones always written;
// - lossless: parse_spec(to_json(s)) == s and parse_spec(to_yaml(s)) == s for every Spec whose
//   strings are UTF-8 and whose annotation keys are unique;
// - YAML strings are quoted whenever a YAML reader could take them for anything else ("0", "yes",
//   "null", "1.0", "a: b", "#x", " x"), so other readers (Go, Python) read the same values;
// - a spec file is validated before it is written, and replaced atomically (mode 0644).
#pragma once

#include <string>

#include "nvrunc/cdi/read.hpp"
#include "nvrunc/cdi/spec.hpp"
#include "nvrunc/common/error.hpp"

namespace nvrunc::cdi {

// Pretty JSON (2-space indent), ending with a newline.
std::string to_json(const Spec& spec);
// Block-style YAML, ending with a newline.
std::string to_yaml(const Spec& spec);
std::string to_text(const Spec& spec, Format format);

// Validates (check_spec), then writes atomically with mode 0644. Fails with Errc::bad_spec for an
// invalid spec (nothing is written), Errc::io when the file cannot be written.
Result<void> write_spec_file(const std::string& path, const Spec& spec, Format format);

} // namespace nvrunc::cdi
