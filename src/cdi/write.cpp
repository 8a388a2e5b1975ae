#include "nvrunc/cdi/write.hpp"

#include "nvrunc/cdi/validate.hpp"
#include "nvrunc/os/file.hpp"
#include "tree.hpp"

namespace nvrunc::cdi {

std::string to_json(const Spec& spec) {
  // Strings that are not UTF-8 (only a caller can put them there) become U+FFFD instead of throwing.
  return detail::encode(spec).dump(2, ' ', false, Json::error_handler_t::replace) + "\n";
}

std::string to_yaml(const Spec& spec) { return detail::emit_yaml(detail::encode(spec)); }

std::string to_text(const Spec& spec, Format format) {
  return format == Format::json ? to_json(spec) : to_yaml(spec);
}

Result<void> write_spec_file(const std::string& path, const Spec& spec, Format format) {
  if (auto valid = check_spec(spec, path); !valid) return valid;
  os::WriteOptions options;
  options.mode = 0644;
  return with_context(os::write_file_atomic(path, to_text(spec, format), options), "write CDI spec");
}

} // namespace nvrunc::cdi
