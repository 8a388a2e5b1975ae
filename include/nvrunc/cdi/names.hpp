// CDI names (research notes C.4): kinds `vendor/class`, fully-qualified device names
// `vendor/class=name`, and the Kubernetes annotation-key rules that CDI applies to annotations.
//
// Promises: the character rules are those of the reference library's parser (pkg/parser), plus the
// SPEC text's length limits (vendor <= 253, class <= 63); a string starting with '/' is never a
// CDI name (it is a path). The *_error functions return the reason a name is invalid, or nullopt.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "nvrunc/common/error.hpp"

namespace nvrunc::cdi {

struct Kind {
  std::string vendor; // nvidia.com
  std::string cls;    // gpu
  std::string str() const { return vendor + "/" + cls; }
};

struct QualifiedName {
  std::string vendor;
  std::string cls;
  std::string name;
  std::string kind() const { return vendor + "/" + cls; }
  std::string str() const { return kind() + "=" + name; }
};

// vendor: first char a letter, last alphanumeric, `[A-Za-z0-9_.-]` between, <= 253 chars.
std::optional<std::string> vendor_error(std::string_view vendor);
// class: the same characters, <= 63 chars (dots need cdiVersion >= 0.6.0: see version.hpp).
std::optional<std::string> class_error(std::string_view cls);
// device name: first and last char alphanumeric, `[A-Za-z0-9_.:-]` between.
std::optional<std::string> device_name_error(std::string_view name);
// Kubernetes annotation key (compared in lower case, as CDI does): an optional DNS-subdomain
// prefix (<= 253) and '/', then a name of <= 63 chars, alphanumeric ends, `-_.` inside.
std::optional<std::string> annotation_key_error(std::string_view key);

// `vendor/class`. Fails with Errc::invalid_argument naming what is wrong.
Result<Kind> parse_kind(std::string_view kind);
// `vendor/class=name`. Fails with Errc::invalid_argument naming what is wrong.
Result<QualifiedName> parse_qualified_name(std::string_view name);
bool is_qualified_name(std::string_view name);
// kind + "=" + name, unchecked.
std::string qualified_name(std::string_view kind, std::string_view name);

} // namespace nvrunc::cdi
