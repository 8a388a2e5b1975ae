// NVIDIA_REQUIRE_* (reference libnvidia-container.md §6, toolkit §2.11), parsed and evaluated.
//
// One variable holds a predicate: alternatives separated by spaces are OR-ed; terms of one
// alternative separated by commas are AND-ed; separate variables are AND-ed. A term is
// `<property><op><value>` with property cuda, driver, arch or brand (case-insensitive) and op one of
// = == != < <= > >=. cuda/driver/arch compare versions (digits and dots, numerically per
// component, trailing zeros ignored: 12.4 = 12.4.0); brand compares names case-insensitively and
// only with = or !=. A term on a property the toolkit does not know is skipped (true), as the
// toolkit does. Predicates are evaluated once per selected GPU (arch and brand are per GPU), or
// once with no GPU (then arch and brand terms hold); a fact that is unknown makes its terms hold.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "nvrunc/common/error.hpp"

namespace nvrunc::require {

enum class Property { cuda, driver, arch, brand, unknown };
enum class Op { eq, ne, lt, le, gt, ge };

struct Term {
  Property property = Property::unknown;
  Op op = Op::eq;
  std::string value;
  std::string text; // as written
};

using Alternative = std::vector<Term>; // AND
struct Predicate {
  std::vector<Alternative> alternatives; // OR
  std::string text;
};

// Parses one variable's value. Errc::invalid_argument on a malformed term, naming it.
Result<Predicate> parse(std::string_view text);

// A requirement and where it came from ("NVIDIA_REQUIRE_CUDA").
struct Requirement {
  std::string variable;
  std::string expression;
};

struct DeviceFacts {
  std::string label; // "GPU 0 (NVIDIA A100-SXM4-80GB)"
  std::optional<std::string> arch;  // compute capability "8.0"
  std::optional<std::string> brand; // NVML brand as the CUDA images spell it: "tesla", "nvidia", ...
};

struct Facts {
  std::optional<std::string> cuda;   // CUDA driver API version "12.4"
  std::optional<std::string> driver; // "550.54.15"
  std::vector<DeviceFacts> devices;  // the selected GPUs
};

// Checks every requirement; fails (Errc::unmet_requirement) with the first unmet one: the variable,
// the condition, the values found and what to do. More than 32 requirements is an error, as in
// nvidia-container-cli.
Result<void> check(const std::vector<Requirement>& requirements, const Facts& facts);

// -1, 0 or 1; nullopt when either side is not a version (digits and dots).
std::optional<int> compare_versions(std::string_view a, std::string_view b);

// NVML's nvmlBrandType_t value as the CUDA images' requirement tokens spell it.
std::string brand_name(int nvml_brand);

} // namespace nvrunc::require
