// Applying edits to config.json (edits::apply): the spec comes from the engine and the image, the
// edits are what plan produces for a GPU container (fixed, realistic) plus, optionally, edits read
// from the input, as a CDI spec from any vendor will bring them.
// Input: the config.json bytes, optionally followed by a line `#edits` and one edit per line:
//   env TEXT | device PATH MAJOR MINOR ACCESS | mount DESTINATION SOURCE | hook STAGE PATH
// Inputs that are not JSON are skipped quickly (fuzz_spec covers the parser).
// Properties (DESIGN.md §3): apply never throws and fails only with Errc::bad_spec; applying twice
// gives the same tree as applying once; members nvrunc does not own keep their values and order,
// as do the entries of owned lists that are not nvrunc's; every edit is present afterwards; an
// allow rule takes effect (it follows the last deny rule).
#include <optional>
#include <set>

#include "fuzz_util.hpp"
#include "nvrunc/edits/apply.hpp"
#include "nvrunc/spec/document.hpp"

using namespace nvrunc;
using spec::Json;

namespace {

constexpr std::string_view edits_marker = "\n#edits\n";

edits::DeviceNode device(std::string path, std::int64_t major, std::int64_t minor, std::string access) {
  edits::DeviceNode d;
  d.path = std::move(path);
  d.host_path = d.path;
  d.major = major;
  d.minor = minor;
  d.permissions = std::move(access);
  return d;
}

// What plan gives a compute container on one GPU.
edits::ContainerEdits gpu_edits() {
  edits::ContainerEdits e;
  e.device_nodes = {device("/dev/nvidiactl", 195, 255, "rw"), device("/dev/nvidia0", 195, 0, "rw"),
                    device("/dev/nvidia-uvm", 508, 0, "rw"), device("/dev/nvidia-caps/nvidia-cap1", 237, 1, "none")};
  for (const char* lib : {"libcuda.so.550.54.15", "libnvidia-ml.so.550.54.15", "libnvidia-ptxjitcompiler.so.550.54.15"})
    e.mounts.push_back({std::string("/usr/lib/x86_64-linux-gnu/") + lib, std::string("/usr/lib/x86_64-linux-gnu/") + lib,
                        "bind", edits::read_only_bind_options(), "driver library"});
  e.mounts.push_back({"/usr/bin/nvidia-smi", "/usr/bin/nvidia-smi", "bind", edits::read_only_bind_options(), "binary"});
  edits::Hook hook;
  hook.path = "/usr/bin/nvrunc-hook";
  hook.args = {"nvrunc-hook", "create-container", "--library-dir", "/usr/lib/x86_64-linux-gnu"};
  hook.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "NVRUNC_HOOK=1"};
  e.hooks = {hook};
  return e;
}

std::optional<std::int64_t> integer(const std::string& s) {
  if (s.empty() || s.size() > 18 || s.find_first_not_of("0123456789-") != std::string::npos) return std::nullopt;
  try {
    return std::stoll(s);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

// Edits written one per line after the marker (see the header).
void read_extra_edits(std::string_view text, edits::ContainerEdits& e) {
  for (const auto& line : fuzz::split_all(text, '\n')) {
    auto words = fuzz::split_all(line, ' ');
    const auto& verb = words[0];
    if (verb == "env" && line.size() > 4) e.env.push_back(line.substr(4));
    else if (verb == "device" && words.size() == 5) {
      auto major = integer(words[2]), minor = integer(words[3]);
      if (major && minor) e.device_nodes.push_back(device(words[1], *major, *minor, words[4]));
    } else if (verb == "mount" && words.size() == 3)
      e.mounts.push_back({words[2], words[1], "bind", edits::read_only_bind_options(), "fuzz"});
    else if (verb == "hook" && words.size() == 3 && words[1].find('\0') == std::string::npos) {
      // (a stage is an OCI word; apply takes it as a C string, so one with a NUL is not a stage)
      edits::Hook h;
      h.hook_name = words[1];
      h.path = words[2];
      h.env = {"PATH=/bin"};
      e.hooks.push_back(std::move(h));
    }
  }
}

const Json* at(const Json& j, std::initializer_list<std::string> path) {
  const Json* cur = &j;
  for (const auto& key : path) {
    if (!cur->is_object()) return nullptr;
    auto it = cur->find(key);
    if (it == cur->end()) return nullptr;
    cur = &*it;
  }
  return cur;
}

Json* at(Json& j, std::initializer_list<std::string> path) {
  return const_cast<Json*>(at(static_cast<const Json&>(j), path));
}

void erase(Json& j, std::initializer_list<std::string> parents, const std::string& key) {
  if (Json* p = at(j, parents); p && p->is_object()) p->erase(key);
}

void erase_if_empty_object(Json& j, std::initializer_list<std::string> parents, const std::string& key) {
  if (Json* p = at(j, parents); p && p->is_object())
    if (auto it = p->find(key); it != p->end() && it->is_object() && it->empty()) p->erase(it);
}

// The tree without what apply owns (and without the parents it may have created for it).
Json unowned(Json j, const edits::ContainerEdits& e) {
  erase(j, {"process"}, "env");
  erase(j, {"linux"}, "devices");
  erase(j, {"linux", "resources"}, "devices");
  for (const auto& h : e.hooks) erase(j, {"hooks"}, h.hook_name);
  erase(j, {}, "mounts");
  erase_if_empty_object(j, {"linux"}, "resources");
  for (const char* key : {"linux", "process", "hooks"}) erase_if_empty_object(j, {}, key);
  return j;
}

// The env entries that `kv` replaces: NAME=... and a bare NAME.
bool same_env_name(const std::string& entry, const std::string& kv) {
  const std::string name = kv.substr(0, kv.find('='));
  return entry == name || entry.rfind(name + "=", 0) == 0;
}

// The elements of an owned list that apply must leave alone, in order.
Json foreign_env(const Json* list, const edits::ContainerEdits& e) {
  Json out = Json::array();
  if (!list || !list->is_array()) return out;
  for (const auto& x : *list) {
    bool mine = false;
    if (x.is_string())
      for (const auto& kv : e.env) mine = mine || same_env_name(x.get_ref<const std::string&>(), kv);
    if (!mine) out.push_back(x);
  }
  return out;
}

Json foreign(const Json* list, const std::set<std::string>& ours, const char* key) {
  Json out = Json::array();
  if (!list || !list->is_array()) return out;
  for (const auto& x : *list)
    if (!(x.is_object() && x.contains(key) && x[key].is_string() && ours.count(x[key].get<std::string>())))
      out.push_back(x);
  return out;
}

void check_lossless(const Json& before, const Json& after, const edits::ContainerEdits& e) {
  fuzz::expect(unowned(before, e) == unowned(after, e), "members nvrunc does not own keep their values and order");
  fuzz::expect(foreign_env(at(before, {"process", "env"}), e) == foreign_env(at(after, {"process", "env"}), e),
               "other env entries are kept in order");
  std::set<std::string> mounts, devices;
  for (const auto& m : e.mounts) mounts.insert(m.container_path);
  for (const auto& d : e.device_nodes) devices.insert(d.path);
  fuzz::expect(foreign(at(before, {"mounts"}), mounts, "destination") ==
                   foreign(at(after, {"mounts"}), mounts, "destination"),
               "other mounts are kept in order");
  fuzz::expect(foreign(at(before, {"linux", "devices"}), devices, "path") ==
                   foreign(at(after, {"linux", "devices"}), devices, "path"),
               "other device nodes are kept in order");
}

void check_present(const Json& after, const edits::ContainerEdits& e) {
  const Json* devices = at(after, {"linux", "devices"});
  const Json* rules = at(after, {"linux", "resources", "devices"});
  fuzz::expect(devices && devices->is_array() && rules && rules->is_array(), "device lists exist");
  size_t last_deny = 0;
  for (size_t i = 0; i < rules->size(); ++i) {
    const auto& r = (*rules)[i];
    if (r.is_object() && r.contains("allow") && r["allow"] == false) last_deny = i + 1;
  }
  for (const auto& d : e.device_nodes) {
    bool found = false;
    for (const auto& x : *devices) found = found || (x.is_object() && x.contains("path") && x["path"] == d.path);
    fuzz::expect(found, "every device node is in linux.devices");
    if (d.permissions == "none") continue;
    bool allowed = false;
    for (size_t i = last_deny; i < rules->size(); ++i) {
      const auto& r = (*rules)[i];
      allowed = allowed || (r.is_object() && r.contains("major") && r["major"] == d.major && r.contains("minor") &&
                            r["minor"] == d.minor && r.contains("allow") && r["allow"] == true);
    }
    fuzz::expect(allowed, "every allow rule follows the last deny rule");
  }
  const Json* mounts = at(after, {"mounts"});
  for (const auto& m : e.mounts) {
    bool found = false;
    for (const auto& x : *mounts)
      found = found || (x.is_object() && x.contains("destination") && x["destination"] == m.container_path);
    fuzz::expect(found, "every mount is in mounts");
  }
}

// KNOWN BUGS, stepped around with NVRUNC_FUZZ_SKIP_KNOWN (see fuzz_util.hpp, test/fuzz/regressions/):
// - number-overflow (spec/): spec::parse lets json::out_of_range escape;
// - env-edit-without-value: an env edit "NAME" (no '=') is appended again on every apply;
// - allow-not-boolean: a device rule whose "allow" is not a boolean makes apply throw.
// Edits that set one thing twice (two env edits of one variable, two mounts on one destination, two
// devices at one path, two hooks with one path in a stage, as two CDI devices may): the later one
// wins, so applying them again passes through the earlier value and reports a change it undoes.
bool self_conflicting(const edits::ContainerEdits& e) {
  std::set<std::string> env, mounts, devices, hooks;
  for (const auto& kv : e.env)
    if (!env.insert(kv.substr(0, kv.find('='))).second) return true;
  for (const auto& m : e.mounts)
    if (!mounts.insert(m.container_path).second) return true;
  for (const auto& d : e.device_nodes)
    if (!devices.insert(d.path).second) return true;
  for (const auto& h : e.hooks)
    if (!hooks.insert(h.hook_name + '\n' + h.path).second) return true;
  return false;
}

// The first entry with an edit's key (the one apply keeps up to date) is exactly the edit's entry:
// an entry already there that differs in any member, in their order or in a value's type is
// replaced.
void check_exact(const Json& after, const edits::ContainerEdits& e) {
  const auto first_with = [](const Json* list, const char* key, const std::string& value) -> const Json* {
    for (const auto& x : *list)
      if (x.is_object() && x.contains(key) && x[key] == value) return &x;
    return nullptr;
  };
  for (const auto& d : e.device_nodes) {
    Json expected = Json::object();
    for (auto& [k, v] : std::initializer_list<std::pair<const char*, Json>>{
             {"path", d.path}, {"type", std::string(1, d.type)}, {"major", d.major}, {"minor", d.minor},
             {"fileMode", d.file_mode}, {"uid", d.uid}, {"gid", d.gid}})
      expected[k] = v;
    const Json* x = first_with(at(after, {"linux", "devices"}), "path", d.path);
    fuzz::expect(x && *x == expected, "every device node's entry is exactly the edit's");
  }
  for (const auto& m : e.mounts) {
    Json expected = Json::object();
    expected["destination"] = m.container_path;
    expected["type"] = m.type;
    expected["source"] = m.host_path;
    expected["options"] = m.options;
    const Json* x = first_with(at(after, {"mounts"}), "destination", m.container_path);
    fuzz::expect(x && *x == expected, "every mount's entry is exactly the edit's");
  }
}

bool known_bug(std::string_view text, const edits::ContainerEdits& e) {
  if (!fuzz::known_bug_list()) return false;
  if (fuzz::skip_known("env-edit-without-value"))
    for (const auto& kv : e.env)
      if (kv.find('=') == std::string::npos) return true;
  try {
    auto j = spec::parse(text, "fuzz/config.json");
    const Json* rules = j ? at(*j, {"linux", "resources", "devices"}) : nullptr;
    if (rules && rules->is_array() && fuzz::skip_known("allow-not-boolean"))
      for (const auto& r : *rules)
        if (r.is_object() && r.contains("allow") && !r["allow"].is_boolean()) return true;
  } catch (const nlohmann::json::out_of_range&) {
    return fuzz::skip_known("number-overflow");
  }
  return false;
}

// serialize()'s text, or nothing where it refuses a string that is not UTF-8 (an edit read from the
// input may hold one; the writer throws nlohmann's type_error, as dump() does).
std::optional<std::string> printed(const Json& json, const spec::Layout& layout, const spec::Appendix* appendix) {
  try {
    return spec::serialize(json, layout, appendix);
  } catch (const nlohmann::json::type_error&) {
    return std::nullopt;
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 256 * 1024) return -1;
  auto text = fuzz::as_text(data, size);
  edits::ContainerEdits edits = gpu_edits();
  if (auto marker = text.find(edits_marker); marker != std::string_view::npos) {
    read_extra_edits(text.substr(marker + edits_marker.size()), edits);
    text = text.substr(0, marker);
  }
  if (known_bug(text, edits)) return -1;
  auto parsed = spec::parse(text, "fuzz/config.json");
  if (!parsed) return -1; // not JSON: keep such inputs out of the corpus
  const Json before = *parsed;

  Json nothing = before;
  fuzz::expect(edits::apply(nothing, edits::ContainerEdits{}).has_value() == before.is_object(),
               "empty edits fail only on a non-object");
  fuzz::expect(nothing == before, "empty edits change nothing");

  Json once = before;
  auto r = edits::apply(once, edits);
  // As the shim applies them: the appended entries deferred, then printed after the tree's own.
  Json kept = before;
  edits::Deferred appended;
  auto deferred = edits::apply(kept, edits, &appended);
  fuzz::expect(deferred.has_value() == r.has_value() && (!r || *deferred == *r), "deferring appends gives the same result");
  if (r)
    for (const spec::Layout layout : {spec::Layout{-1, ' ', false}, spec::Layout{2, ' ', true}, spec::Layout{1, '\t', false}})
      fuzz::expect(printed(kept, layout, &appended) == printed(once, layout, nullptr),
                   "the tree with its deferred appends prints as the tree holding them (or both refuse)");
  if (!r) {
    fuzz::expect(r.error().code() == Errc::bad_spec, "apply fails only with bad_spec");
    return 0;
  }
  fuzz::expect(*r || spec::detail::identical(once, before), "apply reports every change, a number's type included");
  fuzz::expect(*r == (once != before) || self_conflicting(edits), "apply reports a change only when the spec changed");
  Json twice = once;
  auto r2 = edits::apply(twice, edits);
  fuzz::expect(r2.has_value(), "a spec apply accepted once is accepted again");
  fuzz::expect(!*r2 || self_conflicting(edits), "a second apply reports no change");
  if (twice != once) {
    std::fprintf(stderr, "once:  %s\ntwice: %s\n", once.dump().c_str(), twice.dump().c_str());
    fuzz::expect(false, "apply twice == apply once");
  }
  check_lossless(before, once, edits);
  check_present(once, edits);
  if (!self_conflicting(edits)) check_exact(once, edits);
  return 0;
}
