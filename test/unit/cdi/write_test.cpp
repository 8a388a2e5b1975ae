// Writing specs: canonical layout, YAML quoting, determinism, and the round-trip property
// parse(write(spec)) == spec over many generated specs, in both formats.
#include <catch2/catch.hpp>

#include "cdi_support.hpp"
#include "nvrunc/cdi/read.hpp"
#include "nvrunc/cdi/write.hpp"

using namespace nvrunc;

namespace {

cdi::Spec small_spec() {
  cdi::Spec s;
  s.cdi_version = "0.5.0";
  s.kind = "nvidia.com/gpu";
  cdi::Device d;
  d.name = "0";
  d.edits.device_nodes.push_back({.path = "/dev/nvidia0", .host_path = "/dev/nvidia0", .major = 195, .minor = 0});
  s.devices.push_back(d);
  s.edits.env = {"NVIDIA_VISIBLE_DEVICES=void"};
  s.edits.mounts.push_back({"/usr/bin/nvidia-smi", "/usr/bin/nvidia-smi", "", {"ro", "nosuid", "nodev", "bind"}});
  s.edits.hooks.push_back({"createContainer", "/usr/bin/nvidia-cdi-hook",
                           {"nvidia-cdi-hook", "create-symlinks", "--link", "libcuda.so.1::/usr/lib/libcuda.so"},
                           {"NVIDIA_CTK_DEBUG=false"}, std::nullopt});
  return s;
}

void check_round_trip(const cdi::Spec& spec) {
  const std::string json = cdi::to_json(spec), yaml = cdi::to_yaml(spec);
  auto from_json = cdi::parse_spec(json, "gen.json");
  INFO(json);
  REQUIRE(from_json);
  CHECK(*from_json == spec);
  auto from_yaml = cdi::parse_spec(yaml, "gen.yaml");
  INFO(yaml);
  REQUIRE(from_yaml);
  CHECK(*from_yaml == spec);
  CHECK(cdi::to_yaml(*from_yaml) == yaml);
  CHECK(cdi::to_json(*from_yaml) == json);
}

} // namespace

TEST_CASE("cdi write: canonical JSON", "[cdi][write]") {
  CHECK(cdi::to_json(small_spec()) == R"({
  "cdiVersion": "0.5.0",
  "kind": "nvidia.com/gpu",
  "devices": [
    {
      "name": "0",
      "containerEdits": {
        "deviceNodes": [
          {
            "path": "/dev/nvidia0",
            "hostPath": "/dev/nvidia0",
            "major": 195,
            "minor": 0
          }
        ]
      }
    }
  ],
  "containerEdits": {
    "env": [
      "NVIDIA_VISIBLE_DEVICES=void"
    ],
    "mounts": [
      {
        "hostPath": "/usr/bin/nvidia-smi",
        "containerPath": "/usr/bin/nvidia-smi",
        "options": [
          "ro",
          "nosuid",
          "nodev",
          "bind"
        ]
      }
    ],
    "hooks": [
      {
        "hookName": "createContainer",
        "path": "/usr/bin/nvidia-cdi-hook",
        "args": [
          "nvidia-cdi-hook",
          "create-symlinks",
          "--link",
          "libcuda.so.1::/usr/lib/libcuda.so"
        ],
        "env": [
          "NVIDIA_CTK_DEBUG=false"
        ]
      }
    ]
  }
}
)");
}

TEST_CASE("cdi write: canonical YAML", "[cdi][write]") {
  CHECK(cdi::to_yaml(small_spec()) == R"(cdiVersion: "0.5.0"
kind: nvidia.com/gpu
devices:
- name: "0"
  containerEdits:
    deviceNodes:
    - path: /dev/nvidia0
      hostPath: /dev/nvidia0
      major: 195
      minor: 0
containerEdits:
  env:
  - NVIDIA_VISIBLE_DEVICES=void
  mounts:
  - hostPath: /usr/bin/nvidia-smi
    containerPath: /usr/bin/nvidia-smi
    options:
    - ro
    - nosuid
    - nodev
    - bind
  hooks:
  - hookName: createContainer
    path: /usr/bin/nvidia-cdi-hook
    args:
    - nvidia-cdi-hook
    - create-symlinks
    - "--link"
    - libcuda.so.1::/usr/lib/libcuda.so
    env:
    - NVIDIA_CTK_DEBUG=false
)");
}

TEST_CASE("cdi write: empty members are left out, required ones kept", "[cdi][write]") {
  cdi::Spec s;
  s.devices.push_back({"a", {}, {}});
  s.devices[0].edits.device_nodes.push_back({.path = "/d", .host_path = "", .uid = 0});
  CHECK(cdi::to_json(s) == R"({
  "cdiVersion": "",
  "kind": "",
  "devices": [
    {
      "name": "a",
      "containerEdits": {
        "deviceNodes": [
          {
            "path": "/d",
            "hostPath": "",
            "uid": 0
          }
        ]
      }
    }
  ]
}
)");
  CHECK(cdi::to_yaml(s) == "cdiVersion: \"\"\nkind: \"\"\ndevices:\n- name: a\n  containerEdits:\n    deviceNodes:\n"
                           "    - path: /d\n      hostPath: \"\"\n      uid: 0\n");
  s.devices[0].edits = {};
  s.edits.intel_rdt = cdi::Json::object();
  CHECK(cdi::to_yaml(s) == "cdiVersion: \"\"\nkind: \"\"\ndevices:\n- name: a\n  containerEdits: {}\ncontainerEdits:\n"
                           "  intelRdt: {}\n");
  check_round_trip(s);
}

TEST_CASE("cdi write: YAML quotes every string a reader could take for something else", "[cdi][write][yaml]") {
  struct Row {
    std::string value, yaml;
  };
  const std::vector<Row> rows = {
      {"0", "\"0\""},          {"yes", "\"yes\""},       {"No", "\"No\""},         {"null", "\"null\""},
      {"~", "\"~\""},          {"1.0", "\"1.0\""},       {".inf", "\".inf\""},     {"", "\"\""},
      {"a: b", "\"a: b\""},    {"#x", "\"#x\""},         {"a #b", "\"a #b\""},     {" lead", "\" lead\""},
      {"trail ", "\"trail \""}, {"key:", "\"key:\""},     {"-x", "\"-x\""},         {"*a", "\"*a\""},
      {"'q'", "\"'q'\""},      {"\"q\"", "\"\\\"q\\\"\""}, {"a\\b", "\"a\\\\b\""}, {"a\nb", "\"a\\nb\""},
      {"\x01", "\"\\x01\""},   {"l\xe2\x80\xa8", "\"l\\u2028\""}, {"caf\xc3\xa9", "\"caf\xc3\xa9\""},
      {"all", "all"},          {"GPU-1:0", "GPU-1:0"},   {"/dev/dri/card1", "/dev/dri/card1"},
      {"A=b", "A=b"},          {"a:b", "a:b"},           {"yesno", "yesno"},
  };
  for (const Row& row : rows) {
    INFO(row.value);
    cdi::Spec s;
    s.devices.push_back({row.value, {}, {}});
    const std::string yaml = cdi::to_yaml(s);
    CHECK(yaml.find("- name: " + row.yaml + "\n") != std::string::npos);
    auto back = cdi::parse_spec(yaml, "q.yaml");
    REQUIRE(back);
    CHECK(back->devices.at(0).name == row.value);
  }
}

TEST_CASE("cdi write: deterministic", "[cdi][write]") {
  test::SpecGenerator a(7), b(7);
  for (int i = 0; i < 20; ++i) {
    const cdi::Spec x = a.spec(), y = b.spec();
    CHECK(cdi::to_json(x) == cdi::to_json(y));
    CHECK(cdi::to_yaml(x) == cdi::to_yaml(y));
  }
}

TEST_CASE("cdi write: round trip of generated specs, JSON and YAML", "[cdi][write][property]") {
  test::SpecGenerator gen(20240601);
  for (int i = 0; i < 250; ++i) {
    INFO("spec #" << i);
    check_round_trip(gen.spec());
  }
}

TEST_CASE("cdi write: round trip of the fixtures", "[cdi][write]") {
  for (const char* name : {"nvidia.yaml", "amd.json", "intel.yaml"}) {
    INFO(name);
    auto spec = cdi::parse_spec(test::cdi_fixture(name), name);
    REQUIRE(spec);
    check_round_trip(*spec);
  }
}
