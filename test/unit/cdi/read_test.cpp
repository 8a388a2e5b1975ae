// Reading specs: real-world-shaped fixtures, the CDI project's examples, strictness (unknown fields,
// duplicate keys, types, ranges), YAML scalars and syntax errors.
#include <catch2/catch.hpp>

#include <filesystem>

#include "cdi_support.hpp"
#include "nvrunc/cdi/read.hpp"
#include "nvrunc/cdi/validate.hpp"

using namespace nvrunc;

namespace {

std::string error_of(std::string_view text, std::string_view name) {
  auto spec = cdi::parse_spec(text, name);
  if (spec) return "(parsed)";
  CHECK(spec.error().code() == Errc::bad_spec);
  return spec.error().message();
}

// A YAML spec around one device node given as a flow mapping.
std::string yaml_node(const std::string& node) {
  return "cdiVersion: 0.5.0\nkind: v.com/c\ndevices:\n- name: d\n  containerEdits:\n    deviceNodes:\n    - " + node + "\n";
}
std::string json_node(const std::string& node) {
  return R"({"cdiVersion":"0.5.0","kind":"v.com/c","devices":[{"name":"d","containerEdits":{"deviceNodes":[)" + node +
         "]}}]}";
}

cdi::DeviceNode node_of(const std::string& text, std::string_view name) {
  auto spec = cdi::parse_spec(text, name);
  INFO(text);
  REQUIRE(spec);
  return spec->devices.at(0).edits.device_nodes.at(0);
}

} // namespace

TEST_CASE("cdi read: nvidia-ctk style YAML", "[cdi][read]") {
  auto spec = cdi::parse_spec(test::cdi_fixture("nvidia.yaml"), "nvidia.yaml");
  REQUIRE(spec);
  CHECK(spec->cdi_version == "0.5.0");
  CHECK(spec->kind == "nvidia.com/gpu");
  REQUIRE(spec->devices.size() == 5);
  // Unquoted numbers are device names, as strings.
  CHECK(spec->devices[0].name == "0");
  CHECK(spec->devices[1].name == "GPU-4cf8db2d-06c0-7d70-1a51-e59b25b2c16c");
  CHECK(spec->devices[2].name == "1");
  CHECK(spec->devices[4].name == "all");
  CHECK(spec->devices[0].edits.device_nodes[1].path == "/dev/dri/card1");
  CHECK_FALSE(spec->devices[0].edits.device_nodes[1].major);
  const auto& hook = spec->edits.hooks.at(0);
  CHECK(hook.hook_name == "createContainer");
  CHECK(hook.path == "/usr/bin/nvidia-cdi-hook");
  CHECK(hook.args == std::vector<std::string>{"nvidia-cdi-hook", "create-symlinks", "--link",
                                              "libcuda.so.1::/usr/lib/x86_64-linux-gnu/libcuda.so", "--link",
                                              "libnvidia-allocator.so.550.54.15::/usr/lib/x86_64-linux-gnu/gbm/nvidia-drm_gbm.so"});
  CHECK(hook.env == std::vector<std::string>{"NVIDIA_CTK_DEBUG=false"});
  CHECK(spec->devices[0].edits.hooks.at(0).args.at(3) == "../card1::/dev/dri/by-path/pci-0000:3b:00.0-card");
  CHECK(spec->edits.env == std::vector<std::string>{"NVIDIA_VISIBLE_DEVICES=void"});
  CHECK(spec->edits.mounts.at(3).options == std::vector<std::string>{"ro", "nosuid", "nodev", "bind", "noexec"});
  CHECK(cdi::validate(*spec).empty());
  CHECK(cdi::minimum_version(*spec) == "0.5.0"); // digit-led device names
}

TEST_CASE("cdi read: AMD JSON spec", "[cdi][read]") {
  auto spec = cdi::parse_spec(test::cdi_fixture("amd.json"), "amd.json");
  REQUIRE(spec);
  CHECK(spec->kind == "amd.com/gpu");
  CHECK(spec->annotations == cdi::Annotations{{"amd.com/generator", "amd-ctk"}});
  const auto& kfd = spec->edits.device_nodes.at(0);
  CHECK(kfd.path == "/dev/kfd");
  CHECK(kfd.major == 235);
  CHECK(kfd.minor == 0);
  CHECK(kfd.file_mode == 0666);
  CHECK_FALSE(kfd.uid);
  const auto& render = spec->devices.at(0).edits.device_nodes.at(1);
  CHECK(render.path == "/dev/dri/renderD128");
  CHECK(render.gid == 109u);
  CHECK(render.permissions == "rw");
  CHECK(cdi::validate(*spec).empty());
}

TEST_CASE("cdi read: Intel YAML spec (quoted, flow style, comments)", "[cdi][read]") {
  auto spec = cdi::parse_spec(test::cdi_fixture("intel.yaml"), "intel.yaml");
  REQUIRE(spec);
  CHECK(spec->devices.at(0).annotations == cdi::Annotations{{"gpu.intel.com/pci-id", "0000:00:02.0"}});
  CHECK(spec->devices.at(0).edits.mounts.at(0).type == "bind");
  CHECK(spec->devices.at(1).edits.device_nodes.at(1).minor == 129);
  CHECK(cdi::validate(*spec).empty());
  CHECK(cdi::minimum_version(*spec) == "0.6.0");
}

TEST_CASE("cdi read: the CDI project's good and bad examples", "[cdi][read]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::path(test::cdi_schema_dir()) / "testdata";
  if (!fs::is_directory(dir)) {
    WARN("skipped: " << dir << " is absent");
    return;
  }
  int good = 0, bad = 0;
  for (const auto& e : fs::directory_iterator(dir / "good")) {
    INFO(e.path());
    auto spec = cdi::parse_spec(test::read_file(e.path()), e.path().string());
    REQUIRE(spec);
    CHECK(cdi::check_spec(*spec, e.path().string()));
    ++good;
  }
  for (const auto& e : fs::directory_iterator(dir / "bad")) {
    INFO(e.path());
    auto spec = cdi::parse_spec(test::read_file(e.path()), e.path().string());
    CHECK((!spec || !cdi::validate(*spec).empty()));
    ++bad;
  }
  CHECK(good > 0);
  CHECK(bad > 0);
}

TEST_CASE("cdi read: unknown fields reject the file, naming the field path", "[cdi][read][strict]") {
  const std::string yaml = "cdiVersion: 0.3.0\nkind: v.com/c\ndevices:\n- name: a\n  containerEdits: {env: [A=1]}\n"
                           "- name: b\n  containerEdits:\n    mounts:\n    - hostpath: /x\n      containerPath: /x\n";
  CHECK(error_of(yaml, "x.yaml") == "parse `x.yaml`: devices[1].containerEdits.mounts[0].hostpath: unknown field (line 9)");
  const std::string json = R"({"cdiVersion":"0.3.0","kind":"v.com/c","devices":[{"name":"a","containerEdits":{}},)"
                           R"({"name":"b","containerEdits":{"mounts":[{"hostpath":"/x","containerPath":"/x"}]}}]})";
  CHECK(error_of(json, "x.json") == "parse `x.json`: devices[1].containerEdits.mounts[0].hostpath: unknown field");
  CHECK(error_of("cdiVersion: 0.3.0\nkind: v.com/c\ndevices: []\nextra: 1\n", "s") == "parse `s`: extra: unknown field (line 4)");
  CHECK(error_of(R"({"cdiVersion":"0.3.0","Kind":"v.com/c"})", "s") == "parse `s`: Kind: unknown field");
  CHECK(error_of("cdiVersion: 0.3.0\nintelRdt: {}\n", "s") == "parse `s`: intelRdt: unknown field (line 2)");
  CHECK(error_of(yaml_node("{path: /dev/x, enableCMT: true}"), "s") ==
        "parse `s`: devices[0].containerEdits.deviceNodes[0].enableCMT: unknown field (line 7)");
  // YAML merge keys are not supported: `<<` is just an unknown field.
  CHECK(error_of("base: &b {cdiVersion: 0.3.0}\n<<: *b\n", "s") == "parse `s`: base: unknown field (line 1)");
}

TEST_CASE("cdi read: duplicate keys are refused", "[cdi][read][strict]") {
  CHECK(error_of("cdiVersion: 0.3.0\nkind: a.com/b\nkind: a.com/c\n", "s.yaml") == "parse `s.yaml`: kind: duplicate key (line 3)");
  CHECK(error_of(R"({"kind":"a.com/b","kind":"a.com/c"})", "s.json") == "parse `s.json`: invalid JSON: duplicate key `kind`");
  CHECK(error_of("annotations: {a: x, a: y}\n", "s.yaml") == "parse `s.yaml`: annotations.a: duplicate key (line 1)");
  CHECK(error_of(R"({"annotations":{"a":"x","a":"y"}})", "s.json") == "parse `s.json`: invalid JSON: duplicate key `a`");
  // The same key in different objects is fine.
  CHECK(cdi::parse_spec(R"({"devices":[{"name":"a"},{"name":"b"}]})", "s.json"));
}

TEST_CASE("cdi read: integers must be integers in range", "[cdi][read][strict]") {
  struct Row {
    std::string node; // YAML flow mapping; JSON takes the same members where JSON can say them
    std::string error; // "" = valid
    bool json = true;
  };
  const std::vector<Row> rows = {
      {R"({"path": "/d", "major": "195"})", "devices[0].containerEdits.deviceNodes[0].major: expected an integer, got a"},
      {R"({"path": "/d", "major": 1.5})", "major: expected an integer"},
      {R"({"path": "/d", "major": 1e3})", "major: expected an integer"},
      {R"({"path": "/d", "major": true})", "major: expected an integer"},
      {R"({"path": "/d", "major": 9223372036854775807})", ""},
      {R"({"path": "/d", "major": -9223372036854775808})", ""},
      {R"({"path": "/d", "major": 9223372036854775808})", "major: 9223372036854775808 is out of range"},
      {R"({"path": "/d", "uid": 4294967295})", ""},
      {R"({"path": "/d", "uid": 4294967296})", "uid: 4294967296 is out of range"},
      {R"({"path": "/d", "gid": -1})", "gid: -1 is out of range"},
      {R"({"path": "/d", "fileMode": -438})", "fileMode: -438 is out of range"},
      {R"({"path": "/d", "path2": 1})", "deviceNodes[0].path2: unknown field"},
      {R"({"path": 12})", "path: expected a string, got an integer", true},
      {R"({"path": ["/d"]})", "path: expected a string, got an array"},
      {R"({"path": "/d", "permissions": {}})", "permissions: expected a string, got an object"},
  };
  for (const Row& row : rows) {
    for (bool json : {true, false}) {
      const std::string text = json ? json_node(row.node) : yaml_node(row.node);
      INFO(text);
      auto spec = cdi::parse_spec(text, json ? "t.json" : "t.yaml");
      if (row.error.empty()) {
        CHECK(spec);
      } else if (json || row.error.find("expected a string, got an integer") == std::string::npos) {
        REQUIRE_FALSE(spec);
        CHECK(spec.error().message().find(row.error) != std::string::npos);
      } else {
        CHECK(spec); // YAML: a plain scalar is a fine string
      }
    }
  }
}

TEST_CASE("cdi read: YAML plain integers follow go-yaml v2", "[cdi][read][yaml]") {
  CHECK(node_of(yaml_node("{path: /d, fileMode: 0666}"), "y").file_mode == 0666u); // leading 0: octal
  CHECK(node_of(yaml_node("{path: /d, fileMode: 0o666}"), "y").file_mode == 0666u);
  CHECK(node_of(yaml_node("{path: /d, fileMode: 438}"), "y").file_mode == 438u);
  CHECK(node_of(yaml_node("{path: /d, major: 0x1F}"), "y").major == 31);
  CHECK(node_of(yaml_node("{path: /d, major: 0b101}"), "y").major == 5);
  CHECK(node_of(yaml_node("{path: /d, major: 1_000}"), "y").major == 1000);
  CHECK(node_of(yaml_node("{path: /d, major: +7, minor: -7}"), "y").minor == -7);
  CHECK(node_of(yaml_node("{path: /d, major: !!int 12}"), "y").major == 12);
  CHECK(node_of(json_node(R"({"path": "/d", "fileMode": 438})"), "j").file_mode == 0666u); // JSON: decimal
  for (const char* bad : {"08", "0x", "1.0", "12abc", "0x1G", "18446744073709551616", "''", "'12'", "\"12\"", "[1]"}) {
    INFO(bad);
    CHECK(error_of(yaml_node(std::string("{path: /d, major: ") + bad + "}"), "y").find(".major: ") != std::string::npos);
  }
}

TEST_CASE("cdi read: YAML scalars in string fields are read as written", "[cdi][read][yaml]") {
  for (const char* name : {"0", "007", "0x10", "1.0", "yes", "no", "on", "true", "1e3", "12:30", "2001-12-14"}) {
    INFO(name);
    auto spec = cdi::parse_spec(std::string("devices:\n- name: ") + name + "\n", "s.yaml");
    REQUIRE(spec);
    CHECK(spec->devices.at(0).name == name);
  }
  auto quoted = cdi::parse_spec("devices:\n- name: \"0\"\n- name: '1'\n- name: !!str 2\n- name: |\n    block\n", "s.yaml");
  REQUIRE(quoted);
  CHECK(quoted->devices.at(0).name == "0");
  CHECK(quoted->devices.at(1).name == "1");
  CHECK(quoted->devices.at(2).name == "2");
  CHECK(quoted->devices.at(3).name == "block\n");
  CHECK(error_of("kind: !foo x\n", "s.yaml") == "parse `s.yaml`: kind: unsupported tag `!foo` (line 1)");
  for (const char* bad : {"\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "a\x80"}) {
    INFO(bad);
    CHECK(error_of(std::string("kind: \"") + bad + "\"\n", "s.yaml").find("kind: not valid UTF-8") != std::string::npos);
  }
  CHECK(cdi::parse_spec("kind: \"\xc3\xa9\xe2\x9c\x93\xf0\x9f\x98\x80\xf4\x8f\xbf\xbf\"\n", "s.yaml"));
  CHECK(error_of("just text\n", "s.yaml") == "parse `s.yaml`: document: expected an object, got a scalar (line 1)");
}

TEST_CASE("cdi read: null and empty values mean absent", "[cdi][read]") {
  auto node = node_of(yaml_node("{path: /d, hostPath: ~, major: null, type: }"), "y");
  CHECK_FALSE(node.host_path);
  CHECK_FALSE(node.major);
  CHECK_FALSE(node.type);
  node = node_of(json_node(R"({"path": "/d", "hostPath": null, "uid": null})"), "j");
  CHECK_FALSE(node.host_path);
  CHECK_FALSE(node.uid);
  // Present but empty is kept as present: the model records which fields the file had.
  CHECK(node_of(yaml_node("{path: /d, hostPath: ''}"), "y").host_path == "");
  auto spec = cdi::parse_spec("cdiVersion: 0.3.0\nkind: a.com/b\nannotations:\ndevices:\n- name: a\n  containerEdits:\n", "s.yaml");
  REQUIRE(spec);
  CHECK(spec->devices.at(0).edits.empty());
  CHECK(error_of("containerEdits: {env: [A=1, ~]}\n", "s.yaml").find("containerEdits.env[1]: expected a string, got null") !=
        std::string::npos);
  CHECK(error_of(R"({"containerEdits":{"env":["A=1",null]}})", "s.json") ==
        "parse `s.json`: containerEdits.env[1]: expected a string, got null");
}

TEST_CASE("cdi read: wrong shapes", "[cdi][read][strict]") {
  CHECK(error_of("devices: {name: a}\n", "s.yaml") == "parse `s.yaml`: devices: expected an array of objects, got an object (line 1)");
  CHECK(error_of("devices: [a]\n", "s.yaml") == "parse `s.yaml`: devices[0]: expected an object, got a scalar (line 1)");
  CHECK(error_of("containerEdits: {env: A=1}\n", "s.yaml") ==
        "parse `s.yaml`: containerEdits.env: expected an array of strings, got a scalar (line 1)");
  CHECK(error_of("annotations: {a: [x]}\n", "s.yaml") == "parse `s.yaml`: annotations.a: expected a string, got an array (line 1)");
  CHECK(error_of(R"({"annotations":{"a":1}})", "s.json") == "parse `s.json`: annotations.a: expected a string, got an integer");
  CHECK(error_of(R"({"containerEdits":{"additionalGids":[1,-2]}})", "s.json") ==
        "parse `s.json`: containerEdits.additionalGids[1]: -2 is out of range");
  CHECK(error_of("containerEdits: {intelRdt: {enableMonitoring: \"true\"}}\n", "s.yaml") ==
        "parse `s.yaml`: containerEdits.intelRdt.enableMonitoring: expected a boolean, got a quoted string (line 1)");
  auto rdt = cdi::parse_spec("containerEdits: {intelRdt: {enableMonitoring: yes, closID: 7}}\n", "s.yaml");
  REQUIRE(rdt);
  CHECK(*rdt->edits.intel_rdt == cdi::Json{{"enableMonitoring", true}, {"closID", "7"}});
  CHECK(error_of("[1, 2]", "s.json") == "parse `s.json`: document: expected an object, got an array");
  CHECK(error_of("- a\n", "s.yaml") == "parse `s.yaml`: document: expected an object, got an array (line 1)");
}

TEST_CASE("cdi read: syntax errors, empty and multiple documents", "[cdi][read]") {
  CHECK(error_of("", "s.yaml") == "parse `s.yaml`: empty document");
  CHECK(error_of("  \n", "s.json") == "parse `s.json`: empty document");
  CHECK(error_of("---\n", "s.yaml") == "parse `s.yaml`: empty document");
  CHECK(error_of("# only a comment\n", "s.yaml") == "parse `s.yaml`: empty document");
  CHECK(error_of("kind: a\n---\nkind: b\n", "s.yaml") == "parse `s.yaml`: more than one YAML document");
  // yaml-cpp 0.7 never returns from LoadAll on these (a ',' at document level).
  CHECK(error_of(",", "s.yaml") == "parse `s.yaml`: more than one YAML document");
  CHECK(error_of("[a],", "s.yaml") == "parse `s.yaml`: more than one YAML document");
  CHECK(error_of("{a: 4},\nx", "-") == "parse `-`: invalid JSON at line 1, column 2: syntax error while parsing object key - "
                                       "invalid literal; last read: '{a'; expected string literal");
  CHECK(error_of("kind: [a\n", "s.yaml").starts_with("parse `s.yaml`: invalid YAML at line 2, column 1: "));
  CHECK(error_of("{\n  \"kind\": \"a\",\n}", "s.json").starts_with("parse `s.json`: invalid JSON at line 3, column 1: "));
  CHECK(error_of(std::string(100, '[') + std::string(100, ']'), "s.json") ==
        "parse `s.json`: invalid JSON: nested deeper than 64 levels");
}

TEST_CASE("cdi read: aliases expand, alias bombs do not", "[cdi][read][yaml]") {
  auto spec = cdi::parse_spec("devices:\n- name: a\n  containerEdits:\n    mounts:\n"
                              "    - {hostPath: /a, containerPath: /a, options: &ro [ro, nosuid, nodev, bind]}\n"
                              "    - {hostPath: /b, containerPath: /b, options: *ro}\n",
                              "s.yaml");
  REQUIRE(spec);
  CHECK(spec->devices[0].edits.mounts[1].options == spec->devices[0].edits.mounts[0].options);
  // A few kilobytes that alias their way to millions of values.
  std::string big = "devices:\n";
  big += "- &d {name: a, containerEdits: {mounts: [&m {hostPath: /a, containerPath: /a, options: &o "
         "[x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x, x]}";
  for (int i = 0; i < 63; ++i) big += ", *m";
  big += "]}}\n";
  for (int i = 0; i < 1000; ++i) big += "- *d\n";
  CHECK(error_of(big, "s.yaml").find("aliases expand too far") != std::string::npos);
}

TEST_CASE("cdi read: format by extension, else by content", "[cdi][read]") {
  CHECK(cdi::detect_format("{}", "a.json") == cdi::Format::json);
  CHECK(cdi::detect_format("{}", "a.yaml") == cdi::Format::yaml);
  CHECK(cdi::detect_format("kind: x", "a.yml") == cdi::Format::yaml);
  CHECK(cdi::detect_format("  \n{\"kind\": 1}", "-") == cdi::Format::json);
  CHECK(cdi::detect_format("kind: x", "-") == cdi::Format::yaml);
  // JSON is YAML: a .yaml file may hold JSON, and flow YAML that is not JSON still reads there.
  CHECK(cdi::parse_spec(test::cdi_fixture("amd.json"), "amd.yaml"));
  CHECK(cdi::parse_spec("{kind: a.com/b}", "s.yaml"));
  CHECK_FALSE(cdi::parse_spec("{kind: a.com/b}", "s.json"));
  CHECK(cdi::parse_spec("{kind: a.com/b}", "-"));                       // guessed JSON, read as YAML
  CHECK(error_of("{\"kind\": [}", "-").starts_with("parse `-`: invalid JSON at line 1")); // neither: JSON's error
  // The same content read either way is the same spec.
  auto json = cdi::parse_spec(test::cdi_fixture("amd.json"), "amd.json");
  auto yaml = cdi::parse_spec(test::cdi_fixture("amd.json"), "amd.yaml");
  REQUIRE(json);
  REQUIRE(yaml);
  CHECK(*json == *yaml);
}
