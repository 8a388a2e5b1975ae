#include <optional>
#include <string_view>

#include "nvrunc/request/request.hpp"

namespace nvrunc::request {

std::optional<bool> parse_go_bool(std::string_view v) {
  if (v == "1" || v == "t" || v == "T" || v == "TRUE" || v == "true" || v == "True") return true;
  if (v == "0" || v == "f" || v == "F" || v == "FALSE" || v == "false" || v == "False") return false;
  return std::nullopt;
}

} // namespace nvrunc::request
