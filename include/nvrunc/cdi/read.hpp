// Reading a CDI spec file (JSON or YAML) into the model, strictly, like the reference library
// (sigs.k8s.io/yaml UnmarshalStrict):
// - an unknown field, a duplicate key or a value of the wrong type rejects the whole file, and the
//   error names the file and the field path: "parse `x.yaml`: devices[1].containerEdits.mounts[0]
//   .hostpath: unknown field (line 12)";
// - integers must be integers in range (major/minor int64; fileMode, uid, gid, additionalGids
//   uint32; timeout int); a quoted number is a string, not an integer;
// - string fields take any scalar as written: `name: 0` is the device name "0" (nvidia-ctk writes
//   index names unquoted), `name: 0x10` is "0x10"; null (or an empty value) means "absent".
//
// Reading checks the shape only; validate.hpp checks the meaning (names, versions, paths).
//
// YAML is read with yaml-cpp, schema-guided: every value is read as the type its field has, so no
// YAML 1.1/1.2 type guessing applies. JSON is read by its own strict parser, for precise errors.
// Known limits: YAML merge keys (`<<`) are refused as unknown fields; only one document per file;
// aliases are expanded, up to 8 values per byte of input (an alias bomb is refused, not expanded).
#pragma once

#include <string_view>

#include "nvrunc/cdi/spec.hpp"
#include "nvrunc/common/error.hpp"

namespace nvrunc::cdi {

enum class Format { json, yaml };

// By the name's extension (.json; .yaml or .yml), else by content: JSON when the first
// non-blank character is '{'.
Format detect_format(std::string_view text, std::string_view name);

// Parses a spec; `name` (a path or "-") labels errors and picks the format (detect_format; text
// guessed to be JSON that only reads as YAML, like `{kind: a.com/b}`, is read as YAML).
// Fails with Errc::bad_spec.
Result<Spec> parse_spec(std::string_view text, std::string_view name);
Result<Spec> parse_spec(std::string_view text, std::string_view name, Format format);

} // namespace nvrunc::cdi
