#include "nvrunc/edits/apply.hpp"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

namespace nvrunc::edits {

namespace {

using spec::Json;

// The member `key` of `obj` as a container of the given kind, created (at the end) if absent.
Result<Json*> ensure(Json& obj, const char* key, Json::value_t kind, const std::string& where) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    obj[key] = kind == Json::value_t::array ? Json::array() : Json::object();
    return &obj[key];
  }
  if (it->type() != kind)
    return fail(Errc::bad_spec, "edit `" + where + "`: expected " + (kind == Json::value_t::array ? "an array" : "an object"));
  return &*it;
}

// An array of objects keyed by one string member: replaces the first element whose `key` equals a
// value, or appends. The index is built once, so applying n edits to m entries is O(n + m).
class KeyedArray {
public:
  KeyedArray(Json& array, const char* key) : m_array(array) {
    for (size_t i = 0; i < array.size(); ++i) {
      const auto& e = array[i];
      if (!e.is_object()) continue;
      auto it = e.find(key);
      if (it != e.end() && it->is_string()) m_index.emplace(it->get<std::string>(), i);
    }
  }
  void upsert(const std::string& value, Json element) {
    auto [it, added] = m_index.emplace(value, m_array.size());
    if (added) m_array.push_back(std::move(element));
    else m_array[it->second] = std::move(element);
  }

private:
  Json& m_array;
  std::unordered_map<std::string, size_t> m_index;
};

Result<void> apply_env(Json& spec, const std::vector<std::string>& env) {
  if (env.empty()) return {};
  NVRUNC_TRY(process, ensure(spec, "process", Json::value_t::object, "process"));
  NVRUNC_TRY(list, ensure(*process, "env", Json::value_t::array, "process.env"));
  for (const auto& kv : env) {
    // An entry is the same variable when it is `KEY` or starts with `KEY=` (an edit may lack `=`).
    const std::string key = kv.substr(0, kv.find('='));
    const auto same_variable = [&](const std::string& e) {
      return e.starts_with(key) && (e.size() == key.size() || e[key.size()] == '=');
    };
    bool replaced = false;
    for (auto& e : *list)
      if (e.is_string() && same_variable(e.get<std::string>())) e = kv, replaced = true;
    if (!replaced) list->push_back(kv);
  }
  return {};
}

Json device_entry(const DeviceNode& d) {
  Json e = Json::object();
  e["path"] = d.path;
  e["type"] = std::string(1, d.type);
  e["major"] = d.major;
  e["minor"] = d.minor;
  e["fileMode"] = d.file_mode;
  e["uid"] = d.uid;
  e["gid"] = d.gid;
  return e;
}

Json allow_rule(const DeviceNode& d) {
  Json r = Json::object();
  r["allow"] = true;
  r["type"] = std::string(1, d.type);
  r["major"] = d.major;
  r["minor"] = d.minor;
  r["access"] = d.permissions;
  return r;
}

// linux.resources.devices: an allow rule is appended unless it already takes effect (present after
// the last deny rule). A rule whose `allow` is not a boolean is refused, as runc refuses it.
class AllowRules {
public:
  static Result<AllowRules> read(Json& rules) {
    size_t last_deny = 0;
    for (size_t i = 0; i < rules.size(); ++i) {
      if (!rules[i].is_object()) continue;
      auto allow = rules[i].find("allow");
      if (allow == rules[i].end()) continue;
      if (!allow->is_boolean())
        return fail(Errc::bad_spec, "`linux.resources.devices[" + std::to_string(i) + "].allow`: expected a boolean");
      if (!allow->get<bool>()) last_deny = i + 1;
    }
    AllowRules r(rules);
    for (size_t i = last_deny; i < rules.size(); ++i) r.m_effective.insert(rules[i].dump());
    return r;
  }
  void add(Json rule) {
    if (m_effective.insert(rule.dump()).second) m_rules.push_back(std::move(rule));
  }

private:
  explicit AllowRules(Json& rules) : m_rules(rules) {}
  Json& m_rules;
  std::unordered_set<std::string> m_effective;
};

Result<void> apply_devices(Json& spec, const std::vector<DeviceNode>& nodes) {
  if (nodes.empty()) return {};
  NVRUNC_TRY(linux_, ensure(spec, "linux", Json::value_t::object, "linux"));
  // Inserting a key into an ordered object may move its other members: take each pointer only
  // after the last insertion into its parent.
  if (auto r = ensure(*linux_, "devices", Json::value_t::array, "linux.devices"); !r) return fail(std::move(r.error()));
  NVRUNC_TRY(resources, ensure(*linux_, "resources", Json::value_t::object, "linux.resources"));
  NVRUNC_TRY(rules, ensure(*resources, "devices", Json::value_t::array, "linux.resources.devices"));
  KeyedArray devices((*linux_)["devices"], "path");
  NVRUNC_TRY(allow, AllowRules::read(*rules));
  for (const auto& d : nodes) {
    devices.upsert(d.path, device_entry(d));
    if (d.permissions != "none") allow.add(allow_rule(d));
  }
  return {};
}

Result<void> apply_mounts(Json& spec, const std::vector<Mount>& mounts) {
  if (mounts.empty()) return {};
  NVRUNC_TRY(list, ensure(spec, "mounts", Json::value_t::array, "mounts"));
  KeyedArray keyed(*list, "destination");
  for (const auto& m : mounts) {
    Json e = Json::object();
    e["destination"] = m.container_path;
    e["type"] = m.type;
    e["source"] = m.host_path;
    e["options"] = m.options;
    keyed.upsert(m.container_path, std::move(e));
  }
  return {};
}

Result<void> apply_hooks(Json& spec, const std::vector<Hook>& hooks) {
  if (hooks.empty()) return {};
  NVRUNC_TRY(all, ensure(spec, "hooks", Json::value_t::object, "hooks"));
  for (const auto& h : hooks) {
    NVRUNC_TRY(stage, ensure(*all, h.hook_name.c_str(), Json::value_t::array, "hooks." + h.hook_name));
    Json e = Json::object();
    e["path"] = h.path;
    e["args"] = h.args;
    e["env"] = h.env;
    if (h.timeout) e["timeout"] = *h.timeout;
    KeyedArray(*stage, "path").upsert(h.path, std::move(e));
  }
  return {};
}

Result<void> apply_gids(Json& spec, const std::vector<std::uint32_t>& gids) {
  if (std::all_of(gids.begin(), gids.end(), [](std::uint32_t g) { return g == 0; })) return {};
  NVRUNC_TRY(process, ensure(spec, "process", Json::value_t::object, "process"));
  NVRUNC_TRY(user, ensure(*process, "user", Json::value_t::object, "process.user"));
  NVRUNC_TRY(list, ensure(*user, "additionalGids", Json::value_t::array, "process.user.additionalGids"));
  for (auto gid : gids)
    if (gid != 0 && std::find(list->begin(), list->end(), Json(gid)) == list->end()) list->push_back(gid);
  return {};
}

} // namespace

Result<void> apply(spec::Json& spec, const ContainerEdits& edits) {
  if (!spec.is_object()) return fail(Errc::bad_spec, "edit spec: the top level is not an object");
  if (auto r = apply_env(spec, edits.env); !r) return r;
  if (auto r = apply_devices(spec, edits.device_nodes); !r) return r;
  if (auto r = apply_mounts(spec, edits.mounts); !r) return r;
  if (auto r = apply_hooks(spec, edits.hooks); !r) return r;
  return apply_gids(spec, edits.additional_gids);
}

} // namespace nvrunc::edits
