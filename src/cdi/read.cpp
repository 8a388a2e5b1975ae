#include "nvrunc/cdi/read.hpp"

#include "tree.hpp"

namespace nvrunc::cdi {

Format detect_format(std::string_view text, std::string_view name) {
  if (name.ends_with(".json")) return Format::json;
  if (name.ends_with(".yaml") || name.ends_with(".yml")) return Format::yaml;
  const auto first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{' ? Format::json : Format::yaml;
}

Result<Spec> parse_spec(std::string_view text, std::string_view name) {
  const Format format = detect_format(text, name);
  auto spec = parse_spec(text, name, format);
  // Guessed JSON from a leading '{' that is not JSON may be flow-style YAML: take that if it reads,
  // else keep the JSON parser's (more precise) error.
  if (spec || format != Format::json || name.ends_with(".json")) return spec;
  auto yaml = parse_spec(text, name, Format::yaml);
  return yaml ? yaml : spec;
}

Result<Spec> parse_spec(std::string_view text, std::string_view name, Format format) {
  const std::string context = "parse `" + std::string(name) + "`";
  Result<Json> tree = format == Format::json ? detail::json_tree(text) : detail::yaml_tree(text);
  if (!tree) return fail(std::move(tree.error()).wrap(context));
  if (format == Format::json)
    if (auto checked = detail::check_tree(*tree, detail::spec_shape(), ""); !checked)
      return fail(std::move(checked.error()).wrap(context));
  return detail::decode(*tree);
}

} // namespace nvrunc::cdi
