// Parsing and navigating TOML trees (toml_doc.hpp).
#include "toml_doc.hpp"

#include "nvrunc/config/toml_guard.hpp"

namespace nvrunc::engine::toml_doc {

Result<toml::table> parse(std::string_view text, std::string_view name) {
  if (auto r = config::refuse_toml_hazards(text, name); !r) return fail(std::move(r.error()));
  try {
    return toml::parse(text, std::string(name));
  } catch (const toml::parse_error& e) {
    const auto& at = e.source().begin;
    return fail(Errc::bad_config, "parse `" + std::string(name) + "`: " + std::string(e.description()) + " (line " +
                                      std::to_string(at.line) + ", column " + std::to_string(at.column) + ")");
  }
}

const toml::table* find_table(const toml::table& root, const Path& path) {
  const toml::table* t = &root;
  for (const auto& k : path) {
    t = t->get_as<toml::table>(k);
    if (t == nullptr) return nullptr;
  }
  return t;
}

toml::table& ensure_table(toml::table& root, const Path& path) {
  toml::table* t = &root;
  for (const auto& k : path) {
    auto* next = t->get_as<toml::table>(k);
    if (next == nullptr) {
      t->insert_or_assign(k, toml::table{});
      next = t->get_as<toml::table>(k);
    }
    t = next;
  }
  return *t;
}

std::optional<std::string> get_string(const toml::table& t, std::string_view key) {
  if (const auto* v = t.get_as<std::string>(key)) return v->get();
  return std::nullopt;
}

std::optional<bool> get_bool(const toml::table& t, std::string_view key) {
  if (const auto* v = t.get_as<bool>(key)) return v->get();
  return std::nullopt;
}

std::vector<std::string> get_strings(const toml::table& t, std::string_view key) {
  std::vector<std::string> out;
  if (const auto* a = t.get_as<toml::array>(key))
    for (const auto& e : *a)
      if (const auto* s = e.as_string()) out.push_back(s->get());
  return out;
}

} // namespace nvrunc::engine::toml_doc
