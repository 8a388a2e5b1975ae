// NvmlFacts as JSON: how `nvrunc-ctl nvml-facts` hands NVML's answers to nvrunc, which is a static
// binary and cannot dlopen libnvidia-ml itself. Reading is strict (a field of the wrong type, or a
// required one missing, is an error that names it); the optional facts may be absent or null.
#pragma once

#include <string>
#include <string_view>

#include "nvrunc/common/error.hpp"
#include "nvrunc/discover/nvml.hpp"

namespace nvrunc::discover {

// One JSON object, no trailing newline.
std::string nvml_facts_to_json(const NvmlFacts& facts);

// Errc::invalid_argument when `text` is not JSON or not NvmlFacts.
Result<NvmlFacts> nvml_facts_from_json(std::string_view text);

} // namespace nvrunc::discover
