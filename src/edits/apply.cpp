#include "nvrunc/edits/apply.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>

namespace nvrunc::edits {

namespace {

using spec::Json;

// Appends a member to an object. nlohmann's ordered_map is a vector of pair<const string, Json>: a
// const key cannot be moved, so when that vector grows it copies every member, whole subtrees and
// all (adding "hooks" copied the entire spec). Growing it here moves the values instead.
Json& add_member(Json& obj, const std::string& key, Json value) {
  auto& members = obj.get_ref<Json::object_t&>();
  if (members.size() == members.capacity()) {
    Json::object_t grown;
    grown.reserve(2 * members.size() + 1);
    for (auto& [k, v] : members) grown.emplace_back(k, std::move(v));
    members.swap(grown);
  }
  members.emplace_back(key, std::move(value));
  return members.back().second;
}

// A new object with room for `size` members, so that filling it never regrows it.
Json object_with_room(size_t size) {
  Json o = Json::object();
  o.get_ref<Json::object_t&>().reserve(size);
  return o;
}

// The member `key` of `obj` as a container of the given kind, created (at the end) if absent, which
// sets `changed`.
Result<Json*> ensure(Json& obj, const char* key, Json::value_t kind, const std::string& where, bool& changed) {
  auto it = obj.find(key);
  if (it == obj.end()) {
    changed = true;
    return &add_member(obj, key, kind == Json::value_t::array ? Json::array() : Json::object());
  }
  if (it->type() != kind)
    return fail(Errc::bad_spec, "edit `" + where + "`: expected " + (kind == Json::value_t::array ? "an array" : "an object"));
  return &*it;
}

// An array of objects keyed by one string member: replaces the first element whose `key` equals a
// value (unless it is already equal), or appends; either sets `changed`. The index is built once,
// so applying n edits to m entries is O(n + m). It keys on views of the elements' own strings:
// nlohmann keeps each string in its own allocation, which stays put when the array grows.
class KeyedArray {
public:
  KeyedArray(Json& array, const char* key, bool& changed, size_t adding = 0)
      : m_array(array), m_key(key), m_changed(changed) {
    array.get_ref<Json::array_t&>().reserve(array.size() + adding);
    m_index.reserve(array.size() + adding);
    for (size_t i = 0; i < array.size(); ++i) index(i);
  }
  // `element` holds `value` as its key member.
  void upsert(const std::string& value, Json element) {
    upsert(value, [&](const Json& e) { return e == element; }, [&] { return std::move(element); });
  }
  // The same with the element built by `build()` only when it is added or replaces one:
  // `is_element(e)` says whether `e` equals what it would build (most elements of a spec edited
  // before are, and building them only to compare cost a steady-state create its largest share of
  // fresh memory).
  template <class Is, class Build> void upsert(const std::string& value, Is&& is_element, Build&& build) {
    if (auto it = m_index.find(value); it == m_index.end()) {
      m_array.push_back(build());
      index(m_array.size() - 1);
    } else if (!is_element(m_array[it->second])) {
      const size_t at = it->second;
      m_index.erase(it); // its view points into the element replaced below
      m_array[at] = build();
      index(at);
    } else {
      return;
    }
    m_changed = true;
  }

private:
  const std::string* key_of(const Json& e) const {
    if (!e.is_object()) return nullptr;
    auto it = e.find(m_key);
    return it != e.end() && it->is_string() ? &it->get_ref<const std::string&>() : nullptr;
  }
  void index(size_t at) {
    if (const std::string* k = key_of(m_array[at])) m_index.emplace(*k, at);
  }

  Json& m_array;
  const char* m_key;
  bool& m_changed;
  std::unordered_map<std::string_view, size_t> m_index;
};

Result<void> apply_env(Json& spec, const std::vector<std::string>& env, bool& changed) {
  if (env.empty()) return {};
  NVRUNC_TRY(process, ensure(spec, "process", Json::value_t::object, "process", changed));
  NVRUNC_TRY(list, ensure(*process, "env", Json::value_t::array, "process.env", changed));
  for (const auto& kv : env) {
    // An entry is the same variable when it is `KEY` or starts with `KEY=` (an edit may lack `=`).
    const std::string key = kv.substr(0, kv.find('='));
    const auto same_variable = [&](const std::string& e) {
      return e.starts_with(key) && (e.size() == key.size() || e[key.size()] == '=');
    };
    bool found = false;
    for (auto& e : *list) {
      if (!e.is_string() || !same_variable(e.get_ref<const std::string&>())) continue;
      found = true;
      if (e.get_ref<const std::string&>() != kv) e = kv, changed = true;
    }
    if (!found) list->push_back(kv), changed = true;
  }
  return {};
}

// An object's members in order (ordered_map's own operator[] takes a key).
const std::vector<Json::object_t::value_type>& members_of(const Json& object) {
  return object.get_ref<const Json::object_t&>();
}

// Whether `e` equals the object that has exactly the members `names` in that order, each equal to
// the value `equal(i, value)` tests: Json's == for objects, without building the object.
template <size_t N, class Equal>
bool is_object_of(const Json& e, const std::string_view (&names)[N], Equal&& equal) {
  if (!e.is_object() || e.size() != N) return false;
  const auto& members = members_of(e);
  for (size_t i = 0; i < N; ++i)
    if (members[i].first != names[i] || !equal(i, members[i].second)) return false;
  return true;
}

bool is_string(const Json& v, std::string_view s) { return v.is_string() && v.get_ref<const std::string&>() == s; }

[[gnu::flatten]] Json device_entry(const DeviceNode& d) {
  Json e = object_with_room(7);
  auto& m = e.get_ref<Json::object_t&>();
  m.emplace_back("path", d.path);
  m.emplace_back("type", std::string(1, d.type));
  m.emplace_back("major", d.major);
  m.emplace_back("minor", d.minor);
  m.emplace_back("fileMode", d.file_mode);
  m.emplace_back("uid", d.uid);
  m.emplace_back("gid", d.gid);
  return e;
}

// Whether `e` equals device_entry(d). Numbers compare as Json compares them (a number read back
// from config.json is unsigned, the entry's signed: equal when their values are).
bool is_device_entry(const Json& e, const DeviceNode& d) {
  static constexpr std::string_view names[] = {"path", "type", "major", "minor", "fileMode", "uid", "gid"};
  return is_object_of(e, names, [&](size_t i, const Json& v) {
    switch (i) {
    case 0: return is_string(v, d.path);
    case 1: return is_string(v, std::string_view(&d.type, 1));
    case 2: return v == Json(d.major);
    case 3: return v == Json(d.minor);
    case 4: return v == Json(d.file_mode);
    case 5: return v == Json(d.uid);
    default: return v == Json(d.gid);
    }
  });
}

Json allow_rule(const DeviceNode& d) {
  Json r = object_with_room(5);
  auto& m = r.get_ref<Json::object_t&>();
  m.emplace_back("allow", true);
  m.emplace_back("type", std::string(1, d.type));
  m.emplace_back("major", d.major);
  m.emplace_back("minor", d.minor);
  m.emplace_back("access", d.permissions);
  return r;
}

// What makes two allow rules identical: the same text. A rule prints as allow_rule() prints one only
// when it has exactly its members, in its order, with allow true and integral numbers (a double
// prints with a fraction or an exponent), so only such a rule has a key.
using RuleKey = std::tuple<std::string, std::int64_t, std::int64_t, std::string>;

std::optional<std::int64_t> integral(const Json& j) {
  if (j.is_number_integer() && !j.is_number_unsigned()) return j.get<std::int64_t>();
  if (j.is_number_unsigned() && j.get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(j.get<std::uint64_t>());
  return std::nullopt;
}

std::optional<RuleKey> rule_key(const Json& rule) {
  static constexpr std::string_view names[] = {"allow", "type", "major", "minor", "access"};
  if (!rule.is_object() || rule.size() != 5) return std::nullopt;
  const auto& members = members_of(rule);
  for (size_t i = 0; i < 5; ++i)
    if (members[i].first != names[i]) return std::nullopt;
  const Json &allow = members[0].second, &type = members[1].second, &access = members[4].second;
  const auto dev_major = integral(members[2].second), dev_minor = integral(members[3].second);
  if (allow != true || !type.is_string() || !dev_major || !dev_minor || !access.is_string()) return std::nullopt;
  return RuleKey{type.get<std::string>(), *dev_major, *dev_minor, access.get<std::string>()};
}

RuleKey rule_key(const DeviceNode& d) { return {std::string(1, d.type), d.major, d.minor, d.permissions}; }

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
    for (size_t i = last_deny; i < rules.size(); ++i)
      if (auto key = rule_key(rules[i])) r.m_effective.insert(std::move(*key));
    return r;
  }
  // Whether it appended a rule.
  bool add(const DeviceNode& d) {
    if (!m_effective.insert(rule_key(d)).second) return false;
    m_rules.push_back(allow_rule(d));
    return true;
  }

private:
  explicit AllowRules(Json& rules) : m_rules(rules) {}
  Json& m_rules;
  std::set<RuleKey> m_effective;
};

Result<void> apply_devices(Json& spec, const std::vector<DeviceNode>& nodes, bool& changed) {
  if (nodes.empty()) return {};
  NVRUNC_TRY(linux_, ensure(spec, "linux", Json::value_t::object, "linux", changed));
  // Inserting a key into an ordered object may move its other members: take each pointer only
  // after the last insertion into its parent.
  if (auto r = ensure(*linux_, "devices", Json::value_t::array, "linux.devices", changed); !r)
    return fail(std::move(r.error()));
  NVRUNC_TRY(resources, ensure(*linux_, "resources", Json::value_t::object, "linux.resources", changed));
  NVRUNC_TRY(rules, ensure(*resources, "devices", Json::value_t::array, "linux.resources.devices", changed));
  KeyedArray devices((*linux_)["devices"], "path", changed, nodes.size());
  NVRUNC_TRY(allow, AllowRules::read(*rules));
  for (const auto& d : nodes) {
    devices.upsert(d.path, [&](const Json& e) { return is_device_entry(e, d); }, [&] { return device_entry(d); });
    if (d.permissions != "none" && allow.add(d)) changed = true;
  }
  return {};
}

// flatten: built as inline as when this was the loop body (the members' emplace_back out of line
// cost a create 15 k instructions).
[[gnu::flatten]] Json mount_entry(const Mount& m) {
  Json e = object_with_room(4);
  auto& members = e.get_ref<Json::object_t&>();
  members.emplace_back("destination", m.container_path);
  members.emplace_back("type", m.type);
  members.emplace_back("source", m.host_path);
  members.emplace_back("options", m.options);
  return e;
}

// Whether `e` equals mount_entry(m).
bool is_mount_entry(const Json& e, const Mount& m) {
  static constexpr std::string_view names[] = {"destination", "type", "source", "options"};
  return is_object_of(e, names, [&](size_t i, const Json& v) {
    switch (i) {
    case 0: return is_string(v, m.container_path);
    case 1: return is_string(v, m.type);
    case 2: return is_string(v, m.host_path);
    default:
      return v.is_array() && v.size() == m.options.size() &&
             std::equal(v.begin(), v.end(), m.options.begin(), [](const Json& o, const std::string& s) { return is_string(o, s); });
    }
  });
}

Result<void> apply_mounts(Json& spec, const std::vector<Mount>& mounts, bool& changed) {
  if (mounts.empty()) return {};
  NVRUNC_TRY(list, ensure(spec, "mounts", Json::value_t::array, "mounts", changed));
  KeyedArray keyed(*list, "destination", changed, mounts.size());
  for (const auto& m : mounts)
    keyed.upsert(m.container_path, [&](const Json& e) { return is_mount_entry(e, m); }, [&] { return mount_entry(m); });
  return {};
}

Result<void> apply_hooks(Json& spec, const std::vector<Hook>& hooks, bool& changed) {
  if (hooks.empty()) return {};
  NVRUNC_TRY(all, ensure(spec, "hooks", Json::value_t::object, "hooks", changed));
  for (const auto& h : hooks) {
    NVRUNC_TRY(stage, ensure(*all, h.hook_name.c_str(), Json::value_t::array, "hooks." + h.hook_name, changed));
    Json e = object_with_room(4);
    auto& members = e.get_ref<Json::object_t&>();
    members.emplace_back("path", h.path);
    members.emplace_back("args", h.args);
    members.emplace_back("env", h.env);
    if (h.timeout) members.emplace_back("timeout", *h.timeout);
    KeyedArray(*stage, "path", changed).upsert(h.path, std::move(e));
  }
  return {};
}

Result<void> apply_gids(Json& spec, const std::vector<std::uint32_t>& gids, bool& changed) {
  if (std::all_of(gids.begin(), gids.end(), [](std::uint32_t g) { return g == 0; })) return {};
  NVRUNC_TRY(process, ensure(spec, "process", Json::value_t::object, "process", changed));
  NVRUNC_TRY(user, ensure(*process, "user", Json::value_t::object, "process.user", changed));
  NVRUNC_TRY(list, ensure(*user, "additionalGids", Json::value_t::array, "process.user.additionalGids", changed));
  for (auto gid : gids)
    if (gid != 0 && std::find(list->begin(), list->end(), Json(gid)) == list->end()) list->push_back(gid), changed = true;
  return {};
}

} // namespace

Result<bool> apply(spec::Json& spec, const ContainerEdits& edits) {
  if (!spec.is_object()) return fail(Errc::bad_spec, "edit spec: the top level is not an object");
  bool changed = false;
  if (auto r = apply_env(spec, edits.env, changed); !r) return fail(std::move(r.error()));
  if (auto r = apply_devices(spec, edits.device_nodes, changed); !r) return fail(std::move(r.error()));
  if (auto r = apply_mounts(spec, edits.mounts, changed); !r) return fail(std::move(r.error()));
  if (auto r = apply_hooks(spec, edits.hooks, changed); !r) return fail(std::move(r.error()));
  if (auto r = apply_gids(spec, edits.additional_gids, changed); !r) return fail(std::move(r.error()));
  return changed;
}

} // namespace nvrunc::edits
