#include "nvrunc/cdi/names.hpp"

#include "nvrunc/common/strings.hpp"

namespace nvrunc::cdi {

namespace {

bool is_letter(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_letter(c) || is_digit(c); }

std::string quoted(std::string_view s) { return "`" + std::string(s) + "`"; }

// The shared shape of vendor and class names (pkg/parser ValidateVendorName/ValidateClassName).
std::optional<std::string> qualifier_error(std::string_view what, std::string_view s, size_t max_length) {
  if (s.empty()) return "empty " + std::string(what);
  const std::string name = std::string(what) + " " + quoted(s);
  if (s.size() > max_length) return name + " is longer than " + std::to_string(max_length) + " characters";
  if (!is_letter(s.front())) return name + " must start with a letter";
  if (!is_alnum(s.back())) return name + " must end with a letter or digit";
  for (char c : s.substr(1, s.size() - 1))
    if (!is_alnum(c) && c != '_' && c != '.' && c != '-')
      return name + " has the invalid character " + quoted(std::string_view(&c, 1));
  return std::nullopt;
}

// A DNS-1123 subdomain: dot-separated labels of lowercase alphanumerics and '-', each starting and
// ending alphanumeric; <= 253 in all.
std::optional<std::string> dns_subdomain_error(std::string_view s) {
  if (s.empty()) return "empty prefix";
  if (s.size() > 253) return "prefix " + quoted(s) + " is longer than 253 characters";
  const auto lower_alnum = [](char c) { return is_digit(c) || (c >= 'a' && c <= 'z'); };
  for (std::string_view label : split(s, '.')) {
    bool ok = !label.empty() && lower_alnum(label.front()) && lower_alnum(label.back());
    for (char c : label) ok = ok && (lower_alnum(c) || c == '-');
    if (!ok) return "prefix " + quoted(s) + " is not a DNS subdomain (lowercase labels of [a-z0-9-], separated by '.')";
  }
  return std::nullopt;
}

} // namespace

std::optional<std::string> vendor_error(std::string_view vendor) { return qualifier_error("vendor", vendor, 253); }

std::optional<std::string> class_error(std::string_view cls) { return qualifier_error("class", cls, 63); }

std::optional<std::string> device_name_error(std::string_view name) {
  if (name.empty()) return "empty device name";
  const std::string what = "device name " + quoted(name);
  if (!is_alnum(name.front())) return what + " must start with a letter or digit";
  if (!is_alnum(name.back())) return what + " must end with a letter or digit";
  for (char c : name)
    if (!is_alnum(c) && c != '_' && c != '-' && c != '.' && c != ':')
      return what + " has the invalid character " + quoted(std::string_view(&c, 1));
  return std::nullopt;
}

std::optional<std::string> annotation_key_error(std::string_view key) {
  const std::string lower = to_lower(key);
  std::string_view name = lower;
  if (auto slash = name.find('/'); slash != std::string_view::npos) {
    if (auto e = dns_subdomain_error(name.substr(0, slash))) return e;
    name = name.substr(slash + 1);
  }
  if (name.empty()) return "empty name in key " + quoted(key);
  if (name.size() > 63) return "name part of " + quoted(key) + " is longer than 63 characters";
  if (!is_alnum(name.front()) || !is_alnum(name.back()))
    return "name part of " + quoted(key) + " must start and end with a letter or digit";
  for (char c : name)
    if (!is_alnum(c) && c != '-' && c != '_' && c != '.')
      return "name part of " + quoted(key) + " has the invalid character " + quoted(std::string_view(&c, 1));
  return std::nullopt;
}

namespace {

// Splits and checks `vendor/class`: the reason it is invalid, or nullopt with `out` set.
std::optional<std::string> split_kind(std::string_view kind, Kind& out) {
  const auto slash = kind.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == kind.size()) return "expected vendor/class";
  out = Kind{std::string(kind.substr(0, slash)), std::string(kind.substr(slash + 1))};
  if (auto e = vendor_error(out.vendor)) return e;
  return class_error(out.cls);
}

} // namespace

Result<Kind> parse_kind(std::string_view kind) {
  Kind out;
  if (auto e = split_kind(kind, out)) return fail(Errc::invalid_argument, "parse kind " + quoted(kind) + ": " + *e);
  return out;
}

Result<QualifiedName> parse_qualified_name(std::string_view name) {
  const std::string what = "parse CDI device name " + quoted(name);
  const auto eq = name.find('=');
  if (name.empty() || name.front() == '/' || eq == std::string_view::npos)
    return fail(Errc::invalid_argument, what + ": expected vendor/class=name");
  Kind kind;
  if (auto e = split_kind(name.substr(0, eq), kind)) return fail(Errc::invalid_argument, what + ": " + *e);
  const std::string_view device = name.substr(eq + 1);
  if (auto e = device_name_error(device)) return fail(Errc::invalid_argument, what + ": " + *e);
  return QualifiedName{kind.vendor, kind.cls, std::string(device)};
}

bool is_qualified_name(std::string_view name) { return parse_qualified_name(name).has_value(); }

std::string qualified_name(std::string_view kind, std::string_view name) {
  return std::string(kind) + "=" + std::string(name);
}

} // namespace nvrunc::cdi
