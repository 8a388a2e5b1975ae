// What a container asks for (request::read_request): env, mounts, annotations and capabilities come
// from the image and the engine; nothing there may crash the shim or make it grant something the
// policy forbids.
// Input: a config.json-shaped spec, one directive per line (readable seeds, structure-aware):
//   env NAME=VALUE                  a process.env entry
//   mount DESTINATION SOURCE        a mounts entry (type bind)
//   annotation KEY=VALUE
//   cap CAP_NAME                    in process.capabilities.bounding
//   set a.b.c JSON                  sets a member to any JSON value (wrong types, odd shapes)
//   config accept-mounts | deny-unprivileged | disable-require | swarm NAMES | supported CAPS
// Properties: nothing throws; failures are Errc::invalid_argument; a list request has unique,
// bounded, non-empty ids and only list requests have ids; capabilities stay within the supported
// ones; an unprivileged env request is ignored when the policy says so; requirements are non-blank
// and check() copes with all of them; reading is a function of the spec.
#include "fuzz_util.hpp"
#include "nvrunc/cdi/names.hpp"
#include "nvrunc/request/request.hpp"
#include "nvrunc/spec/view.hpp"

using namespace nvrunc;
using spec::Json;

namespace {

struct Input {
  Json spec;
  config::Config config;
};

void set_member(Json& spec, const std::string& dotted, Json value) {
  Json* cur = &spec;
  auto keys = fuzz::split_all(dotted, '.');
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    if (!cur->is_object()) *cur = Json::object();
    cur = &(*cur)[keys[i]];
  }
  if (!cur->is_object()) *cur = Json::object();
  (*cur)[keys.back()] = std::move(value);
}

void read_config_line(const std::string& rest, config::Config& c) {
  auto space = rest.find(' ');
  const std::string key = rest.substr(0, space), value = space == std::string::npos ? "" : rest.substr(space + 1);
  if (key == "accept-mounts") c.accept_volume_mounts = true;
  else if (key == "deny-unprivileged") c.accept_envvar_unprivileged = false;
  else if (key == "disable-require") c.disable_require = true;
  else if (key == "swarm") c.swarm_resource = fuzz::split_all(value, ',');
  else if (key == "supported")
    if (auto caps = Capabilities::parse(value)) c.supported_capabilities = *caps;
}

Input read_input(std::string_view text) {
  Input in;
  Json env = Json::array(), mounts = Json::array(), bounding = Json::array(), annotations = Json::object();
  std::vector<std::pair<std::string, Json>> sets;
  for (const auto& line : fuzz::split_all(text, '\n')) {
    auto space = line.find(' ');
    if (space == std::string::npos) continue;
    const std::string verb = line.substr(0, space), rest = line.substr(space + 1);
    if (verb == "env") env.push_back(rest);
    else if (verb == "cap") bounding.push_back(rest);
    else if (verb == "config") read_config_line(rest, in.config);
    else if (verb == "mount") {
      auto sp = rest.find(' ');
      mounts.push_back({{"destination", rest.substr(0, sp)},
                        {"type", "bind"},
                        {"source", sp == std::string::npos ? "" : rest.substr(sp + 1)},
                        {"options", {"rbind", "ro"}}});
    } else if (verb == "annotation") {
      auto eq = rest.find('=');
      annotations[rest.substr(0, eq)] = eq == std::string::npos ? "" : rest.substr(eq + 1);
    } else if (verb == "set") {
      auto sp = rest.find(' ');
      if (sp == std::string::npos) continue;
      auto value = Json::parse(rest.substr(sp + 1), nullptr, false);
      if (!value.is_discarded()) sets.emplace_back(rest.substr(0, sp), std::move(value));
    }
  }
  in.spec = {{"ociVersion", "1.0.2"},
             {"process", {{"args", {"sh"}}, {"env", env}, {"capabilities", {{"bounding", bounding}}}}},
             {"root", {{"path", "rootfs"}}},
             {"mounts", mounts},
             {"annotations", annotations}};
  for (auto& [path, value] : sets) set_member(in.spec, path, std::move(value));
  return in;
}

bool same(const request::Request& a, const request::Request& b) {
  return a.devices == b.devices && a.ids == b.ids && a.capabilities == b.capabilities &&
         a.requirements.size() == b.requirements.size() && a.requirements_disabled == b.requirements_disabled &&
         a.legacy_image == b.legacy_image && a.source == b.source && a.notes == b.notes && a.gds == b.gds;
}

void check_request(const request::Request& r, const Input& in) {
  using request::Devices;
  if (r.devices == Devices::list || r.devices == Devices::cdi) {
    const bool cdi = r.devices == Devices::cdi;
    fuzz::expect(!r.ids.empty() && r.ids.size() <= 1024, "a list or CDI request has 1 to 1024 ids");
    for (size_t i = 0; i < r.ids.size(); ++i) {
      if (cdi) fuzz::expect(cdi::is_qualified_name(r.ids[i]), "a CDI request's ids are qualified CDI names");
      else fuzz::expect(!r.ids[i].empty() && r.ids[i].size() <= 256, "an id has 1 to 256 characters");
      for (size_t j = 0; j < i; ++j) fuzz::expect(r.ids[i] != r.ids[j], "ids are unique");
    }
  } else {
    fuzz::expect(r.ids.empty(), "only a list or CDI request has ids");
  }
  if (!r.wants_driver()) return;
  fuzz::expect(r.capabilities.intersect(in.config.supported_capabilities) == r.capabilities,
               "capabilities stay within the supported ones");
  const bool privileged = spec::has_bounding_capability(in.spec, "CAP_SYS_ADMIN");
  const bool from_mounts = r.source.rfind("volume mounts", 0) == 0;
  if (!in.config.accept_envvar_unprivileged && !privileged)
    fuzz::expect(from_mounts, "an unprivileged container's env request is ignored when the policy says so");
  if (from_mounts) fuzz::expect(in.config.accept_volume_mounts, "mount requests need the policy");
  fuzz::expect(r.requirements.size() <= 64 * 1024, "requirements are bounded by the env");
  for (const auto& q : r.requirements)
    fuzz::expect(q.expression.find_first_not_of(" \t\r\n\f\v") != std::string::npos, "requirements are non-blank");
  require::Facts facts{"12.4", "550.54.15", {{"GPU 0", "8.0", "tesla"}}};
  (void)require::check(r.requirements, facts);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return -1;
  const Input in = read_input(fuzz::as_text(data, size));
  auto r = request::read_request(in.spec, in.config);
  if (!r) {
    fuzz::expect(r.error().code() == Errc::invalid_argument, "a bad request is invalid_argument");
    return 0;
  }
  check_request(*r, in);
  auto again = request::read_request(in.spec, in.config);
  fuzz::expect(again && same(*r, *again), "reading is a function of the spec");
  return 0;
}
