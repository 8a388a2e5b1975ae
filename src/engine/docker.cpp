// `runtime configure --runtime docker` (docker.hpp): daemon.json as an ordered JSON document.
#include "nvrunc/engine/docker.hpp"

#include <nlohmann/json.hpp>

#include "nvrunc/common/strings.hpp"

namespace nvrunc::engine {

namespace {

using Json = nlohmann::ordered_json;

Result<Json> parse_daemon_json(const SourceFile& f) {
  if (!f.text || trim(*f.text).empty()) return Json::object();
  try {
    Json j = Json::parse(*f.text);
    if (!j.is_object()) return fail(Errc::bad_config, "parse `" + f.path + "`: not a JSON object");
    return j;
  } catch (const Json::parse_error& e) {
    // e.byte is 1-based: the position of the offending character.
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < e.byte && i < f.text->size(); ++i) {
      if ((*f.text)[i] == '\n') ++line, column = 1;
      else ++column;
    }
    std::string what = e.what();
    if (auto colon = what.find("syntax error"); colon != std::string::npos) what = what.substr(colon);
    return fail(Errc::bad_config, "parse `" + f.path + "`: " + what + " (line " + std::to_string(line) + ", column " +
                                      std::to_string(column) + ")");
  }
}

// The indentation the file uses: its first indented line's leading whitespace (4 spaces by default).
std::pair<int, char> detect_indent(const std::optional<std::string>& text) {
  if (!text) return {4, ' '};
  size_t nl = text->find('\n');
  while (nl != std::string::npos && nl + 1 < text->size()) {
    const char c = (*text)[nl + 1];
    if (c == '\t') return {1, '\t'};
    if (c == ' ') {
      size_t n = text->find_first_not_of(' ', nl + 1) - (nl + 1);
      if (n > 0 && n <= 8) return {static_cast<int>(n), ' '};
    }
    if (c != '\n' && c != '\r') break;
    nl = text->find('\n', nl + 1);
  }
  return {4, ' '};
}

} // namespace

Result<Outcome> configure_docker(const SourceFile& f, const ConfigureOptions& o) {
  if (auto valid = validate(o); !valid) return fail(valid.error());
  NVRUNC_TRY(current, parse_daemon_json(f));
  Outcome out;
  Json target = current;
  if (target.contains("runtimes") && !target["runtimes"].is_object())
    return fail(Errc::bad_config, "`" + f.path + "`: `runtimes` is not an object");
  Json& entry = target["runtimes"][o.name];
  if (!entry.is_object()) entry = Json::object();
  for (const char* key : {"runtimeType", "options"})
    if (entry.contains(key)) {
      entry.erase(key);
      out.notes.push_back(std::string("removed `") + key + "` from runtime `" + o.name + "`: it excludes `path`");
    }
  if (entry.contains("path") && entry["path"] != o.binary && entry["path"].is_string())
    out.notes.push_back("runtime `" + o.name + "` ran `" + entry["path"].get<std::string>() + "`: now `" + o.binary + "`");
  entry["path"] = o.binary;
  if (o.set_as_default) target["default-runtime"] = o.name;
  if (o.enable_cdi) {
    if (target.contains("features") && !target["features"].is_object())
      return fail(Errc::bad_config, "`" + f.path + "`: `features` is not an object");
    target["features"]["cdi"] = true;
  }
  FileUpdate u{f.path, f.text, f.text.value_or(""), false, f.text ? f.path + ".nvrunc.bak" : "", ""};
  if (target != current || !f.text) {
    const auto [width, ch] = detect_indent(f.text);
    u.after = target.dump(width, ch) + "\n";
    out.notes.push_back("restart Docker to apply: systemctl restart docker (runtimes alone: systemctl reload docker)");
  }
  out.files.push_back(std::move(u));
  return out;
}

Result<HandlerStatus> inspect_docker(const SourceFile& f, std::string_view name) {
  NVRUNC_TRY(j, parse_daemon_json(f));
  HandlerStatus s;
  s.sources = {f.path};
  s.default_runtime = j.value("default-runtime", std::string("runc"));
  s.is_default = s.default_runtime == name;
  if (j.contains("features") && j["features"].is_object() && j["features"].contains("cdi") && j["features"]["cdi"].is_boolean())
    s.cdi_enabled = j["features"]["cdi"].get<bool>();
  const std::string key(name);
  if (!j.contains("runtimes") || !j["runtimes"].is_object() || !j["runtimes"].contains(key)) return s;
  const Json& entry = j["runtimes"][key];
  s.present = true;
  if (entry.is_object() && entry.contains("path") && entry["path"].is_string()) s.binary = entry["path"].get<std::string>();
  return s;
}

} // namespace nvrunc::engine
