#include "nvrunc/edits/apply.hpp"

#include <algorithm>
#include <optional>
#include <set>
#include <string_view>
#include <tuple>
#include <type_traits>
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

// Each entry's members, in order: one definition for the tree (TreeOut), the comparison (SameAs)
// and printing a deferred entry (PrintOut), so they cannot differ.
template <class Out>
void members(const DeviceNode& d, Out& out) {
  out.member("path", d.path);
  out.member("type", std::string(1, d.type));
  out.member("major", d.major);
  out.member("minor", d.minor);
  out.member("fileMode", d.file_mode);
  out.member("uid", d.uid);
  out.member("gid", d.gid);
}

template <class Out>
void rule_members(const DeviceNode& d, Out& out) {
  out.member("allow", true);
  out.member("type", std::string(1, d.type));
  out.member("major", d.major);
  out.member("minor", d.minor);
  out.member("access", d.permissions);
}

template <class Out>
void members(const Mount& m, Out& out) {
  out.member("destination", m.container_path);
  out.member("type", m.type);
  out.member("source", m.host_path);
  out.member("options", m.options);
}

// An entry's object, built at its size; each value keeps its type (fileMode, uid and gid unsigned).
class TreeOut {
public:
  explicit TreeOut(size_t size) : m_object(object_with_room(size)) {}
  template <class T>
  void member(const char* key, const T& value) {
    m_object.get_ref<Json::object_t&>().emplace_back(key, value);
  }
  Json take() { return std::move(m_object); }

private:
  Json m_object;
};

// A deferred entry's members to the writer; an unsigned value prints the same digits as a signed one.
struct PrintOut {
  spec::ObjectPrinter& out;
  void member(std::string_view key, const std::string& value) { out.member(key, value); }
  void member(std::string_view key, std::int64_t value) { out.member(key, value); }
  void member(std::string_view key, std::uint32_t value) { out.member(key, static_cast<std::int64_t>(value)); }
  void member(std::string_view key, bool value) { out.member(key, value); }
  void member(std::string_view key, const std::vector<std::string>& value) { out.member(key, value); }
};

// An object's members by position (ordered_map's [] takes keys, not indexes).
using Members = std::vector<Json::object_t::value_type>;
const Members& members_of(const Json& object) { return object.get_ref<const Json::object_t&>(); }

// Whether an element equals the entry an edit's members make, as Json's == compares them (members
// in order, numbers by value: 44.0 is 44), without building the entry.
class SameAs {
public:
  explicit SameAs(const Json& element)
      : m_members(element.is_object() ? &members_of(element) : nullptr), m_same(m_members != nullptr) {}
  void member(const char* key, const std::string& value) {
    if (const Json* v = next(key)) m_same = v->is_string() && v->get_ref<const std::string&>() == value;
  }
  void member(const char* key, const std::vector<std::string>& values) {
    const Json* v = next(key);
    if (!v) return;
    m_same = v->is_array() && v->size() == values.size();
    for (size_t i = 0; m_same && i < values.size(); ++i) {
      const Json& e = (*v)[i];
      m_same = e.is_string() && e.get_ref<const std::string&>() == values[i];
    }
  }
  template <class Scalar>
    requires std::is_arithmetic_v<Scalar> // integers and bool: nlohmann's own comparison
  void member(const char* key, Scalar value) {
    if (const Json* v = next(key)) m_same = *v == Json(value);
  }
  bool same() const { return m_same && m_at == m_members->size(); }

private:
  // The element's next member if it is `key` (and no difference was found before).
  const Json* next(const char* key) {
    if (!m_same || m_at == m_members->size() || (*m_members)[m_at].first != key) return m_same = false, nullptr;
    return &(*m_members)[m_at++].second;
  }

  const Members* m_members;
  bool m_same;
  size_t m_at = 0;
};

template <class Edit>
bool same_as(const Json& element, const Edit& edit) {
  SameAs same(element);
  members(edit, same);
  return same.same();
}

template <class Edit>
constexpr size_t member_count = 0;
template <>
constexpr size_t member_count<DeviceNode> = 7;
template <>
constexpr size_t member_count<Mount> = 4;

template <class Edit>
Json entry(const Edit& edit) {
  TreeOut out(member_count<Edit>);
  members(edit, out);
  return out.take();
}

Json allow_rule(const DeviceNode& d) {
  TreeOut out(5);
  rule_members(d, out);
  return out.take();
}

Json entry(const Hook& h) {
  Json e = object_with_room(4);
  auto& members = e.get_ref<Json::object_t&>();
  members.emplace_back("path", h.path);
  members.emplace_back("args", h.args);
  members.emplace_back("env", h.env);
  if (h.timeout) members.emplace_back("timeout", *h.timeout);
  return e;
}

bool same_as(const Json& element, const Hook& h) { return element == entry(h); }

// An array of objects keyed by one string member: replaces the first element whose key equals an
// edit's (unless it is already equal), or appends the edit's entry; either sets `changed`. The
// index is built once, so applying n edits to m entries is O(n + m). It keys on views of the
// elements' own strings (nlohmann keeps each string in its own allocation, which stays put when the
// array grows) and, for entries deferred instead of appended, of the edits' strings.
template <class Edit>
class KeyedArray {
public:
  KeyedArray(Json& array, const char* key, bool& changed, size_t adding, Appended<Edit>* deferred)
      : m_array(array), m_key(key), m_changed(changed), m_deferred(deferred) {
    if (deferred) deferred->array = &array.get_ref<const Json::array_t&>();
    else array.get_ref<Json::array_t&>().reserve(array.size() + adding);
    m_index.reserve(array.size() + adding);
    for (size_t i = 0; i < array.size(); ++i) index(i);
  }
  // `key` is the key member of the edit's entry.
  void upsert(const std::string& key, const Edit& edit) {
    if (auto it = m_index.find(key); it == m_index.end()) {
      if (m_deferred) {
        m_index.emplace(key, deferred_slot | m_deferred->entries.size());
        m_deferred->entries.push_back(&edit);
      } else {
        m_array.push_back(entry(edit));
        index(m_array.size() - 1);
      }
    } else if (it->second & deferred_slot) {
      m_deferred->entries[it->second & ~deferred_slot] = &edit; // as an appended element is replaced
    } else if (!same_as(m_array[it->second], edit)) {
      const size_t at = it->second;
      m_index.erase(it); // its view points into the element replaced below
      m_array[at] = entry(edit);
      index(at);
    } else {
      return;
    }
    m_changed = true;
  }

private:
  static constexpr size_t deferred_slot = size_t{1} << (8 * sizeof(size_t) - 1); // else an index into the array

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
  Appended<Edit>* m_deferred;
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
  const Members& members = members_of(rule);
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
  static Result<AllowRules> read(Json& rules, Appended<DeviceNode>* deferred) {
    size_t last_deny = 0;
    for (size_t i = 0; i < rules.size(); ++i) {
      if (!rules[i].is_object()) continue;
      auto allow = rules[i].find("allow");
      if (allow == rules[i].end()) continue;
      if (!allow->is_boolean())
        return fail(Errc::bad_spec, "`linux.resources.devices[" + std::to_string(i) + "].allow`: expected a boolean");
      if (!allow->get<bool>()) last_deny = i + 1;
    }
    AllowRules r(rules, deferred);
    if (deferred) deferred->array = &rules.get_ref<const Json::array_t&>();
    for (size_t i = last_deny; i < rules.size(); ++i)
      if (auto key = rule_key(rules[i])) r.m_effective.insert(std::move(*key));
    return r;
  }
  // Whether it appended a rule.
  bool add(const DeviceNode& d) {
    if (!m_effective.insert(rule_key(d)).second) return false;
    if (m_deferred) m_deferred->entries.push_back(&d);
    else m_rules.push_back(allow_rule(d));
    return true;
  }

private:
  AllowRules(Json& rules, Appended<DeviceNode>* deferred) : m_rules(rules), m_deferred(deferred) {}
  Json& m_rules;
  Appended<DeviceNode>* m_deferred;
  std::set<RuleKey> m_effective;
};

Result<void> apply_devices(Json& spec, const std::vector<DeviceNode>& nodes, bool& changed, Deferred* deferred) {
  if (nodes.empty()) return {};
  NVRUNC_TRY(linux_, ensure(spec, "linux", Json::value_t::object, "linux", changed));
  // Inserting a key into an ordered object may move its other members: take each pointer only
  // after the last insertion into its parent.
  if (auto r = ensure(*linux_, "devices", Json::value_t::array, "linux.devices", changed); !r)
    return fail(std::move(r.error()));
  NVRUNC_TRY(resources, ensure(*linux_, "resources", Json::value_t::object, "linux.resources", changed));
  NVRUNC_TRY(rules, ensure(*resources, "devices", Json::value_t::array, "linux.resources.devices", changed));
  KeyedArray<DeviceNode> devices((*linux_)["devices"], "path", changed, nodes.size(), deferred ? &deferred->devices : nullptr);
  NVRUNC_TRY(allow, AllowRules::read(*rules, deferred ? &deferred->rules : nullptr));
  for (const auto& d : nodes) {
    devices.upsert(d.path, d);
    if (d.permissions != "none" && allow.add(d)) changed = true;
  }
  return {};
}

Result<void> apply_mounts(Json& spec, const std::vector<Mount>& mounts, bool& changed, Deferred* deferred) {
  if (mounts.empty()) return {};
  NVRUNC_TRY(list, ensure(spec, "mounts", Json::value_t::array, "mounts", changed));
  KeyedArray<Mount> keyed(*list, "destination", changed, mounts.size(), deferred ? &deferred->mounts : nullptr);
  for (const auto& m : mounts) keyed.upsert(m.container_path, m);
  return {};
}

Result<void> apply_hooks(Json& spec, const std::vector<Hook>& hooks, bool& changed) {
  if (hooks.empty()) return {};
  NVRUNC_TRY(all, ensure(spec, "hooks", Json::value_t::object, "hooks", changed));
  for (const auto& h : hooks) {
    NVRUNC_TRY(stage, ensure(*all, h.hook_name.c_str(), Json::value_t::array, "hooks." + h.hook_name, changed));
    KeyedArray<Hook>(*stage, "path", changed, 0, nullptr).upsert(h.path, h);
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

size_t Deferred::count(const spec::Json::array_t& array) const {
  if (&array == mounts.array) return mounts.entries.size();
  if (&array == devices.array) return devices.entries.size();
  if (&array == rules.array) return rules.entries.size();
  return 0;
}

void Deferred::print(const spec::Json::array_t& array, size_t i, spec::ObjectPrinter& out) const {
  PrintOut printer{out};
  if (&array == mounts.array) members(*mounts.entries.at(i), printer);
  else if (&array == devices.array) members(*devices.entries.at(i), printer);
  else if (&array == rules.array) rule_members(*rules.entries.at(i), printer);
}

Result<bool> apply(spec::Json& spec, const ContainerEdits& edits, Deferred* deferred) {
  if (deferred) *deferred = Deferred{};
  if (!spec.is_object()) return fail(Errc::bad_spec, "edit spec: the top level is not an object");
  bool changed = false;
  if (auto r = apply_env(spec, edits.env, changed); !r) return fail(std::move(r.error()));
  if (auto r = apply_devices(spec, edits.device_nodes, changed, deferred); !r) return fail(std::move(r.error()));
  if (auto r = apply_mounts(spec, edits.mounts, changed, deferred); !r) return fail(std::move(r.error()));
  if (auto r = apply_hooks(spec, edits.hooks, changed); !r) return fail(std::move(r.error()));
  if (auto r = apply_gids(spec, edits.additional_gids, changed); !r) return fail(std::move(r.error()));
  return changed;
}

} // namespace nvrunc::edits
