// Applying edits to config.json: golden input/expected pairs, idempotence, unknown fields kept.
// Regenerate a golden file after an intended change with NVRUNC_UPDATE_GOLDEN=1 and review the diff.
#include <catch2/catch.hpp>

#include <cstdlib>

#include "nvrunc/edits/apply.hpp"
#include "test_util.hpp"

using namespace nvrunc;

namespace {

edits::ContainerEdits sample_edits() {
  edits::ContainerEdits e;
  e.device_nodes.push_back({"/dev/nvidiactl", "/dev/nvidiactl", 'c', 195, 255, 0666, 0, 0, "rw", "control"});
  e.device_nodes.push_back({"/dev/nvidia-uvm", "/dev/nvidia-uvm", 'c', 510, 0, 0666, 0, 0, "rw", "uvm"});
  e.device_nodes.push_back({"/dev/nvidia1", "/dev/nvidia1", 'c', 195, 1, 0660, 0, 44, "rw", "gpu 1"});
  e.mounts.push_back({"/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15", "/usr/lib/x86_64-linux-gnu/libcuda.so.550.54.15",
                      "bind", edits::read_only_bind_options(), "compute library"});
  e.mounts.push_back({"/usr/bin/nvidia-smi", "/usr/bin/nvidia-smi", "bind", edits::read_only_bind_options(), "utility binary"});
  e.hooks.push_back({"createContainer", "/usr/bin/nvrunc-hook",
                     {"nvrunc-hook", "create-container", "--library-dir", "/usr/lib/x86_64-linux-gnu", "--link",
                      "/usr/lib/x86_64-linux-gnu/libcuda.so.1=libcuda.so.550.54.15"},
                     {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"}, std::nullopt, "links"});
  e.env.push_back("NVRUNC_TEST=1");
  return e;
}

spec::Json load_fixture(const std::string& name) {
  auto json = spec::parse(test::read_file(std::string(NVRUNC_SOURCE_DIR) + "/test/fixtures/apply/" + name), name);
  REQUIRE(json);
  return *json;
}

void check_golden(const std::string& name, const spec::Json& actual) {
  const std::string path = std::string(NVRUNC_SOURCE_DIR) + "/test/fixtures/apply/" + name;
  const std::string text = actual.dump(2) + "\n";
  if (std::getenv("NVRUNC_UPDATE_GOLDEN")) test::write_file(path, text);
  CHECK(test::read_file(path) == text);
}

} // namespace

TEST_CASE("apply: golden containerd spec", "[apply]") {
  auto spec = load_fixture("containerd.input.json");
  REQUIRE(edits::apply(spec, sample_edits()));
  check_golden("containerd.expected.json", spec);
}

TEST_CASE("apply: golden minimal spec creates what is missing", "[apply]") {
  auto spec = load_fixture("minimal.input.json");
  REQUIRE(edits::apply(spec, sample_edits()));
  check_golden("minimal.expected.json", spec);
}

TEST_CASE("apply: idempotent", "[apply]") {
  for (const char* name : {"containerd.input.json", "minimal.input.json"}) {
    auto once = load_fixture(name);
    auto first = edits::apply(once, sample_edits());
    REQUIRE(first);
    CHECK(*first); // the fixtures lack the edits
    auto twice = once;
    auto second = edits::apply(twice, sample_edits());
    REQUIRE(second);
    CHECK_FALSE(*second); // nothing left to change
    CHECK(twice == once);
    CHECK(twice.dump() == once.dump()); // same order too
  }
}

TEST_CASE("apply: keys we do not own keep their values and order", "[apply]") {
  const auto before = load_fixture("containerd.input.json");
  auto after = before;
  REQUIRE(edits::apply(after, sample_edits()));
  std::vector<std::string> keys_before, keys_after;
  for (auto it = before.begin(); it != before.end(); ++it) keys_before.push_back(it.key());
  for (auto it = after.begin(); it != after.end(); ++it) keys_after.push_back(it.key());
  CHECK(keys_before == keys_after);
  for (const char* key : {"ociVersion", "root", "annotations", "futureTopLevelKey"}) CHECK(after[key] == before[key]);
  CHECK(after["linux"]["resources"]["memory"] == before["linux"]["resources"]["memory"]);
  CHECK(after["linux"]["seccomp"]["syscalls"][0]["args"][0]["value"].get<std::uint64_t>() == 18446744073709551615ull);
  CHECK(after["linux"]["netDevices"] == before["linux"]["netDevices"]);
  CHECK(after["process"]["x-vendor-extension"] == before["process"]["x-vendor-extension"]);
  CHECK(after["hooks"]["poststop"] == before["hooks"]["poststop"]);
}

TEST_CASE("apply: allow rules go after the last deny rule", "[apply]") {
  auto spec = *spec::parse(R"({"linux":{"resources":{"devices":[
      {"allow":true,"type":"c","major":195,"minor":255,"access":"rw"},
      {"allow":false,"access":"rwm"}]}}})", "t");
  REQUIRE(edits::apply(spec, sample_edits()));
  const auto& rules = spec["linux"]["resources"]["devices"];
  REQUIRE(rules.size() == 5);
  CHECK(rules[1]["allow"] == false);
  CHECK(rules[2]["minor"] == 255); // re-added after deny-all: the first one had no effect
}

TEST_CASE("apply: existing entries are replaced in place", "[apply]") {
  auto spec = *spec::parse(R"({"process":{"env":["NVRUNC_TEST=0","X=1"]},
      "mounts":[{"destination":"/usr/bin/nvidia-smi","source":"/old","options":["bind"]},{"destination":"/z"}],
      "linux":{"devices":[{"path":"/dev/nvidia1","type":"c","major":1,"minor":1}]},
      "hooks":{"createContainer":[{"path":"/usr/bin/nvrunc-hook","args":["old"]},{"path":"/other"}]}})", "t");
  REQUIRE(edits::apply(spec, sample_edits()));
  CHECK(spec["process"]["env"] == spec::Json::array({"NVRUNC_TEST=1", "X=1"}));
  CHECK(spec["mounts"][0]["source"] == "/usr/bin/nvidia-smi");
  CHECK(spec["mounts"][1]["destination"] == "/z");
  CHECK(spec["linux"]["devices"][0]["major"] == 195);
  CHECK(spec["hooks"]["createContainer"].size() == 2);
  CHECK(spec["hooks"]["createContainer"][0]["args"][0] == "nvrunc-hook");
  CHECK(spec["hooks"]["createContainer"][1]["path"] == "/other");
}

TEST_CASE("apply: reports whether the spec changed, and leaves equal entries as they are", "[apply]") {
  // Everything already there, as config.json is read back: its numbers parse as unsigned integers,
  // the edits' are signed; equal all the same, so nothing is replaced.
  auto first = load_fixture("minimal.input.json");
  REQUIRE(edits::apply(first, sample_edits()));
  auto spec = *spec::parse(first.dump(), "t");
  const auto edited = spec;
  CHECK_FALSE(edits::apply(spec, sample_edits()).value());
  CHECK(spec.dump() == edited.dump());
  CHECK(spec::detail::identical(spec, edited));
  CHECK_FALSE(edits::apply(spec, edits::ContainerEdits{}).value());

  // One member of one entry differs: that entry is replaced, and the spec changed.
  auto changed = edited;
  changed["mounts"][0]["source"] = "/elsewhere";
  CHECK(edits::apply(changed, sample_edits()).value());
  CHECK(changed == edited);

  // Each kind of edit alone: a first application changes, a second does not.
  edits::ContainerEdits env, gids, devices, hooks;
  env.env = {"NVRUNC_TEST=1"};
  gids.additional_gids = {0, 44};
  devices.device_nodes = sample_edits().device_nodes;
  hooks.hooks = sample_edits().hooks;
  for (const auto* e : {&env, &gids, &devices, &hooks}) {
    auto s = *spec::parse(R"({"process":{"env":["NVRUNC_TEST=0"],"user":{"uid":0}}})", "t");
    CHECK(edits::apply(s, *e).value());
    const auto once = s;
    CHECK_FALSE(edits::apply(s, *e).value());
    CHECK(s == once);
  }
  // Only gid 0 (never added) and an env entry already set: nothing changes.
  auto s = *spec::parse(R"({"process":{"env":["NVRUNC_TEST=1"]}})", "t");
  edits::ContainerEdits noop;
  noop.env = {"NVRUNC_TEST=1"};
  noop.additional_gids = {0};
  CHECK_FALSE(edits::apply(s, noop).value());
  CHECK(s.dump() == R"({"process":{"env":["NVRUNC_TEST=1"]}})");
}

// An entry already there is left alone only when it equals the edit's entry as Json compares
// them: member for member, in order, numbers by value. Anything else is replaced. (A faster
// comparison that skips building the edit's entry must give the same answers.)
TEST_CASE("apply: an entry counts as present only when it equals the edit's", "[apply]") {
  edits::ContainerEdits one;
  one.mounts.push_back({"/host/libcuda.so.1", "/usr/lib/libcuda.so.1", "bind", {"ro", "nosuid", "bind"}, "test"});
  one.device_nodes.push_back({"/dev/nvidia1", "/dev/nvidia1", 'c', 195, 1, 0660, 0, 44, "none", "gpu 1"});
  auto expected = *spec::parse("{}", "t");
  REQUIRE(edits::apply(expected, one).value());
  const spec::Json mount = expected["mounts"][0], device = expected["linux"]["devices"][0];

  // As written, and as read back (numbers unsigned): present.
  for (const auto& as_read : {expected, *spec::parse(expected.dump(), "t")}) {
    auto s = as_read;
    CHECK_FALSE(edits::apply(s, one).value());
    CHECK(s == as_read);
  }
  const std::vector<std::string> mounts = {
      R"({"destination":"/usr/lib/libcuda.so.1","type":"bind","source":"/host/libcuda.so.1","options":["nosuid","ro","bind"]})",
      R"({"destination":"/usr/lib/libcuda.so.1","type":"bind","source":"/host/libcuda.so.1","options":["ro","nosuid"]})",
      R"({"destination":"/usr/lib/libcuda.so.1","type":"bind","source":"/host/libcuda.so.1","options":["ro","nosuid","bind","x"]})",
      R"({"destination":"/usr/lib/libcuda.so.1","type":"bind","source":"/host/libcuda.so.1","options":["ro","nosuid",1]})",
      R"({"destination":"/usr/lib/libcuda.so.1","type":"bind","source":"/host/libcuda.so.1","options":"ro"})",
      R"({"destination":"/usr/lib/libcuda.so.1","type":"rbind","source":"/host/libcuda.so.1","options":["ro","nosuid","bind"]})",
      R"({"destination":"/usr/lib/libcuda.so.1","type":null,"source":"/host/libcuda.so.1","options":["ro","nosuid","bind"]})",
      R"({"destination":"/usr/lib/libcuda.so.1","source":"/host/libcuda.so.1","type":"bind","options":["ro","nosuid","bind"]})",
      R"({"destination":"/usr/lib/libcuda.so.1","type":"bind","source":"/host/libcuda.so.1"})",
      R"({"destination":"/usr/lib/libcuda.so.1","type":"bind","source":"/host/libcuda.so.1","options":["ro","nosuid","bind"],"uidMappings":[]})",
      R"({"destination":"/usr/lib/libcuda.so.1","type":"bind","src":"/host/libcuda.so.1","options":["ro","nosuid","bind"]})",
  };
  const std::vector<std::string> devices = {
      R"({"path":"/dev/nvidia1","type":"b","major":195,"minor":1,"fileMode":432,"uid":0,"gid":44})",
      R"({"path":"/dev/nvidia1","type":"c","major":195,"minor":2,"fileMode":432,"uid":0,"gid":44})",
      R"({"path":"/dev/nvidia1","type":"c","major":195,"minor":1,"fileMode":438,"uid":0,"gid":44})",
      R"({"path":"/dev/nvidia1","type":"c","major":195,"minor":1,"fileMode":432,"uid":0,"gid":"44"})",
      R"({"path":"/dev/nvidia1","type":"c","major":195,"minor":1,"fileMode":432,"gid":44,"uid":0})",
      R"({"path":"/dev/nvidia1","type":"c","major":195,"minor":1,"fileMode":432,"uid":0})",
      R"({"path":"/dev/nvidia1","type":"cc","major":195,"minor":1,"fileMode":432,"uid":0,"gid":44})",
      R"({"path":"/dev/nvidia1","type":"c","major":-195,"minor":1,"fileMode":432,"uid":0,"gid":44})",
  };
  // Json's == takes 44.0 for 44, and so does the comparison (as it did when it built the entry).
  auto float_gid = expected;
  float_gid["linux"]["devices"][0]["gid"] = 44.0;
  CHECK_FALSE(edits::apply(float_gid, one).value());
  for (const auto& text : mounts) {
    INFO(text);
    auto s = expected;
    s["mounts"][0] = *spec::parse(text, "t");
    REQUIRE(s["mounts"][0] != mount); // each differs from the edit's entry
    CHECK(edits::apply(s, one).value());
    CHECK(s == expected);
  }
  for (const auto& text : devices) {
    INFO(text);
    auto s = expected;
    s["linux"]["devices"][0] = *spec::parse(text, "t");
    REQUIRE(s["linux"]["devices"][0] != device);
    CHECK(edits::apply(s, one).value());
    CHECK(s == expected);
  }
}

// Found by fuzz_apply (test/fuzz/regressions/apply/env-set-twice-reports-change): edits that set one
// variable twice (two CDI devices may) end with the later value, but a second application passes
// through the earlier one. Such edits may report a change that leaves the spec as it was (config.json
// is then rewritten with the same tree); they never hide one.
TEST_CASE("apply: edits that set one thing twice end with the later value", "[apply][regression]") {
  auto spec = *spec::parse(R"({"process":{"env":[]}})", "t");
  edits::ContainerEdits e;
  e.env = {"A=1", "A=2"};
  CHECK(edits::apply(spec, e).value());
  const auto once = spec;
  CHECK(once["process"]["env"] == spec::Json::array({"A=2"}));
  (void)edits::apply(spec, e).value();
  CHECK(spec == once);
}

// The index of keyed arrays holds views of the elements' own keys: an element replaced, even one
// added by the same call, must leave the index pointing at its successor (ASan sees a stale view).
TEST_CASE("apply: one destination edited several times, and duplicates already there", "[apply]") {
  auto spec = *spec::parse(R"({"mounts":[{"destination":"/a","source":"1"},{"destination":"/a","source":"2"}]})", "t");
  edits::ContainerEdits e;
  for (const auto& [dest, source] : std::vector<std::pair<std::string, std::string>>{
           {"/a", "x"}, {"/b", "y"}, {"/b", "z"}, {"/a", "x2"}, {"/b", "w"}})
    e.mounts.push_back({source, dest, "bind", {"ro"}, "test"});
  CHECK(edits::apply(spec, e).value());
  const auto& mounts = spec["mounts"];
  REQUIRE(mounts.size() == 3);
  CHECK(mounts[0]["source"] == "x2"); // the first of the two already there
  CHECK(mounts[1]["source"] == "2");
  CHECK(mounts[2]["destination"] == "/b");
  CHECK(mounts[2]["source"] == "w");
  const auto once = spec;
  CHECK(edits::apply(spec, e).value()); // x2 -> x -> x2 again: a change reported, none kept
  CHECK(spec == once);
}

TEST_CASE("apply: a member of the wrong type is an error", "[apply]") {
  for (const char* text : {R"({"linux":[]})", R"({"mounts":{}})", R"({"hooks":[]})", R"({"linux":{"devices":{}}})",
                           R"({"hooks":{"createContainer":3}})", R"({"process":{"env":"A=1"}})"}) {
    auto spec = *spec::parse(text, "t");
    auto r = edits::apply(spec, sample_edits());
    INFO(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::bad_spec);
  }
}

TEST_CASE("apply: additional gids are added once, 0 never", "[apply]") {
  auto spec = *spec::parse(R"({"process":{"user":{"uid":0,"gid":0,"additionalGids":[10]}}})", "t");
  edits::ContainerEdits e;
  e.additional_gids = {0, 44, 10};
  REQUIRE(edits::apply(spec, e));
  REQUIRE(edits::apply(spec, e));
  CHECK(spec["process"]["user"]["additionalGids"] == spec::Json::array({10, 44}));
  auto empty = *spec::parse(R"({"process":{}})", "t");
  edits::ContainerEdits zero;
  zero.additional_gids = {0};
  REQUIRE(edits::apply(empty, zero));
  CHECK_FALSE(empty["process"].contains("user"));
}

// Found by fuzz_apply (test/fuzz/regressions/apply/).
TEST_CASE("apply: an env edit without '=' is applied once", "[apply][regression]") {
  auto spec = *spec::parse(R"({"process":{"env":["PATH=/bin","V=old","VX=1"]}})", "t");
  edits::ContainerEdits e;
  e.env = {"V", "W"};
  REQUIRE(edits::apply(spec, e));
  REQUIRE(edits::apply(spec, e));
  CHECK(spec["process"]["env"] == spec::Json::array({"PATH=/bin", "V", "VX=1", "W"}));
  e.env = {"V=new"};
  REQUIRE(edits::apply(spec, e));
  CHECK(spec["process"]["env"] == spec::Json::array({"PATH=/bin", "V=new", "VX=1", "W"}));
}

TEST_CASE("apply: a device rule whose allow is not a boolean is an error, not an exception", "[apply][regression]") {
  auto spec = *spec::parse(R"({"linux":{"resources":{"devices":[{"allow":"false","access":"rwm"}]}}})", "t");
  auto r = edits::apply(spec, sample_edits());
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == Errc::bad_spec);
  CHECK(r.error().what().find("linux.resources.devices[0].allow") != std::string::npos);
}

// The allow-rule identity is decided without printing rules: it must agree with comparing their text.
TEST_CASE("apply: an allow rule counts as present only when it prints the same", "[apply]") {
  edits::ContainerEdits e;
  e.device_nodes.push_back({"/dev/nvidiactl", "/dev/nvidiactl", 'c', 195, 255, 0666, 0, 0, "rw", "control"});
  const auto rules_after = [&](const char* existing) {
    auto spec = *spec::parse(std::string(R"({"linux":{"resources":{"devices":[{"allow":false,"access":"rwm"},)") +
                                 existing + "]}}}", "t");
    REQUIRE(edits::apply(spec, e));
    return spec["linux"]["resources"]["devices"].size();
  };
  CHECK(rules_after(R"({"allow":true,"type":"c","major":195,"minor":255,"access":"rw"})") == 2);
  CHECK(rules_after(R"({"allow":true,"type":"c","major":195,"minor":255,"access":"rw"})") == 2);
  CHECK(rules_after(R"({"allow":true,"type":"c","major":195.0,"minor":255,"access":"rw"})") == 3);
  CHECK(rules_after(R"({"allow":true,"type":"c","minor":255,"major":195,"access":"rw"})") == 3);
  CHECK(rules_after(R"({"allow":true,"type":"c","major":195,"minor":255,"access":"rw","x":1})") == 3);
  CHECK(rules_after(R"({"allow":true,"type":"c","major":195,"minor":255,"access":"rwm"})") == 3);
  CHECK(rules_after(R"({"allow":true,"type":"b","major":195,"minor":255,"access":"rw"})") == 3);
}

TEST_CASE("apply: members added to objects keep the existing ones intact", "[apply]") {
  auto spec = *spec::parse(R"({"a":{"deep":[1,{"x":"y"}]},"b":2,"c":[3]})", "t");
  const auto before = spec;
  REQUIRE(edits::apply(spec, sample_edits()));
  CHECK(spec.dump().starts_with(R"({"a":{"deep":[1,{"x":"y"}]},"b":2,"c":[3],"process":)"));
  for (const char* key : {"a", "b", "c"}) CHECK(spec[key] == before[key]);
}

namespace {

// `e` applied to `start` twice, once building the appended entries and once deferring them (as the
// shim does): the same result, and the same text in every layout.
void check_deferred(const spec::Json& start, const edits::ContainerEdits& e) {
  auto built = start, kept = start;
  edits::Deferred appended;
  const auto r_built = edits::apply(built, e);
  const auto r_kept = edits::apply(kept, e, &appended);
  REQUIRE(r_built.has_value() == r_kept.has_value());
  if (!r_built) {
    CHECK(r_kept.error().code() == r_built.error().code());
    return;
  }
  CHECK(*r_kept == *r_built);
  for (const spec::Layout layout : {spec::Layout{-1, ' ', false}, spec::Layout{2, ' ', true}, spec::Layout{4, ' ', false},
                                    spec::Layout{1, '\t', true}, spec::Layout{0, ' ', false}}) {
    INFO("indent " << layout.indent);
    CHECK(spec::serialize(kept, layout, &appended) == spec::serialize(built, layout));
  }
}

} // namespace

TEST_CASE("apply: deferred appends print exactly as the tree would hold them", "[apply]") {
  for (const char* name : {"containerd.input.json", "minimal.input.json"}) {
    INFO(name);
    const auto start = load_fixture(name);
    check_deferred(start, sample_edits());
    auto applied = start;
    REQUIRE(edits::apply(applied, sample_edits()));
    edits::Deferred appended;
    CHECK_FALSE(edits::apply(applied, sample_edits(), &appended).value()); // the steady state: nothing deferred
    CHECK(appended.empty());
  }
  // Entries already there (replaced or kept), one destination edited several times, empty and
  // escaped strings, odd device types and numbers, rules after a deny rule or already effective.
  edits::ContainerEdits odd;
  for (const auto& [dest, source] : std::vector<std::pair<std::string, std::string>>{
           {"/a", "x"}, {"/b", "y"}, {"/b", "z"}, {"/a", "x2"}, {"/c\"q\"\\", "\u00e9\t\x01"}, {"", ""}})
    odd.mounts.push_back({source, dest, "bind", {"ro"}, "test"});
  odd.mounts.push_back({"/s", "/no-options", "tmpfs", {}, "test"});
  odd.mounts.push_back({"/s", "/long-option", "bind", {"ro", "a-long-option-well-past-sixteen-bytes", ""}, "test"});
  odd.device_nodes.push_back({"/dev/x", "/dev/x", '"', -1, 9223372036854775807, 0, 4294967295u, 7, "rwm", "odd"});
  odd.device_nodes.push_back({"/dev/y", "/dev/y", 'b', 0, 0, 0777, 0, 0, "none", "no rule"});
  odd.device_nodes.push_back({"/dev/x", "/dev/x", 'c', 195, 1, 0666, 0, 0, "rw", "again"});
  odd.device_nodes.push_back({"/dev/nvidiactl", "/dev/nvidiactl", 'c', 195, 255, 0666, 0, 0, "rw", "already there"});
  for (const char* text : {
           "{}",
           R"({"mounts":[{"destination":"/a","source":"1"},{"destination":"/a","source":"2"}],"linux":{"devices":[]}})",
           R"({"mounts":[],"linux":{"devices":[{"path":"/dev/nvidiactl","type":"c","major":195,"minor":255,"fileMode":438,"uid":0,"gid":0}],
               "resources":{"devices":[{"allow":true,"type":"c","major":195,"minor":255,"access":"rw"},{"allow":false,"access":"rwm"}]}}})",
           R"({"mounts":[{"destination":"/b","type":"bind","source":"y","options":["ro"]}],"linux":{"resources":{"devices":[
               {"allow":false,"access":"rwm"},{"allow":true,"type":"c","major":195,"minor":255,"access":"rw"}]}}})",
           R"({"mounts":{}})",
       }) {
    INFO(text);
    check_deferred(*spec::parse(text, "t"), odd);
    check_deferred(*spec::parse(text, "t"), sample_edits());
  }
}

TEST_CASE("apply: deferred appends follow their arrays only", "[apply]") {
  auto spec = *spec::parse(R"({"mounts":[],"other":[[]]})", "t");
  const auto e = sample_edits(); // the appended entries point into it
  edits::Deferred appended;
  REQUIRE(edits::apply(spec, e, &appended).value());
  CHECK(appended.count(spec["mounts"].get_ref<const spec::Json::array_t&>()) == 2);
  CHECK(appended.count(spec["other"].get_ref<const spec::Json::array_t&>()) == 0);
  CHECK(appended.count(spec["linux"]["devices"].get_ref<const spec::Json::array_t&>()) == 3);
  CHECK(appended.count(spec["linux"]["resources"]["devices"].get_ref<const spec::Json::array_t&>()) == 3);
  const auto moved = std::move(spec); // the arrays stay where they are
  CHECK(spec::serialize(moved, {}, &appended).find("/usr/bin/nvidia-smi") != std::string::npos);
  // A copy has arrays of its own: it prints without the appended entries.
  const auto copy = moved;
  CHECK(spec::serialize(copy, {}, &appended).find("/usr/bin/nvidia-smi") == std::string::npos);
  // The next apply starts afresh.
  auto other = *spec::parse("{}", "t");
  REQUIRE(edits::apply(other, edits::ContainerEdits{}, &appended));
  CHECK(appended.empty());
}

// Found by fuzz_apply (test/fuzz/regressions/apply/deferred-mount-not-utf8): an edit's string that
// is not UTF-8 (a CDI spec may carry one) is refused by the printer as dump() refuses it in a tree.
TEST_CASE("apply: a deferred string that is not UTF-8 is refused as in the tree", "[apply][regression]") {
  edits::ContainerEdits e;
  e.mounts.push_back({"/host/x", std::string("/usr/share/vulkan/icd.d/nvidia\xe2\x17_icd.json"), "bind", {"ro"}, "test"});
  auto built = *spec::parse("{}", "t"), kept = built;
  edits::Deferred appended;
  REQUIRE(edits::apply(built, e).value());
  REQUIRE(edits::apply(kept, e, &appended).value());
  CHECK_THROWS_AS(spec::serialize(built, {}), nlohmann::json::type_error);
  CHECK_THROWS_AS(spec::serialize(kept, {}, &appended), nlohmann::json::type_error);
}
