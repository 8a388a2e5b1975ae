#include "nvrunc/edits/edits.hpp"

namespace nvrunc::edits {

std::vector<std::string> read_only_bind_options() { return {"ro", "nosuid", "nodev", "rbind", "rprivate"}; }

} // namespace nvrunc::edits
