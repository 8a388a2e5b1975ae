// Writing a simulated node's libraries (private to nvrunc_mock; lists in node_layout.hpp).
#pragma once

#include <string>
#include <vector>

#include "nvrunc/mock/node_layout.hpp"

namespace nvrunc::mock::detail {

// The driver table in lib_dir plus the extra libraries; returns the table's file names.
Result<std::vector<std::string>> write_native_libraries(const NodeFacts& node);

// The 32-bit companions in lib32_dir (none without compat32); returns their file names.
Result<std::vector<std::string>> write_compat32_libraries(const NodeFacts& node);

} // namespace nvrunc::mock::detail
