// Strict JSON text to tree: the reference library reads JSON through a strict YAML decoder, which
// refuses duplicate keys; nlohmann's parser would silently keep one of them.
#include <functional>
#include <set>
#include <vector>

#include "tree.hpp"

namespace nvrunc::cdi::detail {

namespace {

struct Refused {
  std::string reason;
};

// Watches the parse: refuses a key already seen in the same object, and deep nesting.
class KeyWatch {
public:
  bool operator()(int depth, Json::parse_event_t event, Json& parsed) {
    switch (event) {
    case Json::parse_event_t::object_start:
    case Json::parse_event_t::array_start:
      if (depth >= max_depth) throw Refused{"nested deeper than " + std::to_string(max_depth) + " levels"};
      if (event == Json::parse_event_t::object_start) m_keys.emplace_back();
      break;
    case Json::parse_event_t::object_end: m_keys.pop_back(); break;
    case Json::parse_event_t::key:
      if (!m_keys.empty() && !m_keys.back().insert(parsed.get<std::string>()).second)
        throw Refused{"duplicate key `" + parsed.get<std::string>() + "`"};
      break;
    default: break;
    }
    return true;
  }

private:
  std::vector<std::set<std::string>> m_keys;
};

// "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..." without the
// bracketed id and the leading "parse error ".
std::string short_reason(const std::string& what) {
  std::string_view s = what;
  if (auto close = s.find("] "); close != std::string_view::npos) s.remove_prefix(close + 2);
  if (s.starts_with("parse error ")) s.remove_prefix(std::string_view("parse error ").size());
  return std::string(s);
}

} // namespace

Result<Json> json_tree(std::string_view text) {
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return fail(Errc::bad_spec, "empty document");
  KeyWatch watch;
  try {
    return Json::parse(text.begin(), text.end(), std::ref(watch));
  } catch (const Refused& e) {
    return fail(Errc::bad_spec, "invalid JSON: " + e.reason);
  } catch (const nlohmann::json::parse_error& e) {
    return fail(Errc::bad_spec, "invalid JSON " + short_reason(e.what()));
  }
}

} // namespace nvrunc::cdi::detail
