// Validation, table-driven: each rule once broken (the problem's location and message) and once
// kept (no problem), on top of a valid base spec; every problem is reported; version requirements.
#include <catch2/catch.hpp>

#include <functional>

#include "nvrunc/cdi/validate.hpp"

using namespace nvrunc;
using cdi::Json;

namespace {

cdi::Spec base() {
  cdi::Spec s;
  s.cdi_version = "0.3.0";
  s.kind = "vendor.com/device";
  cdi::Device d;
  d.name = "dev0";
  d.edits.device_nodes.push_back({.path = "/dev/card0"});
  s.devices.push_back(d);
  return s;
}

cdi::ContainerEdits& device_edits(cdi::Spec& s) { return s.devices[0].edits; }

struct Rule {
  const char* what;
  std::function<void(cdi::Spec&)> breaks;
  const char* location;
  const char* message; // a part of the message
  std::function<void(cdi::Spec&)> keeps;
};

std::string describe(const std::vector<cdi::Problem>& problems) {
  std::string out;
  for (const auto& p : problems) out += p.location + ": " + p.message + "\n";
  return out;
}

} // namespace

TEST_CASE("cdi validate: the base spec is valid", "[cdi][validate]") {
  CHECK(cdi::validate(base()).empty());
  CHECK(cdi::check_spec(base(), "x.yaml"));
}

TEST_CASE("cdi validate: each rule", "[cdi][validate]") {
  const std::vector<Rule> rules = {
      {"cdiVersion present", [](auto& s) { s.cdi_version = ""; }, "cdiVersion", "missing",
       [](auto& s) { s.cdi_version = "1.1.0"; }},
      {"cdiVersion known", [](auto& s) { s.cdi_version = "0.9.0"; }, "cdiVersion", "unknown version `0.9.0`",
       [](auto& s) { s.cdi_version = "v0.3.0"; }},
      {"cdiVersion full", [](auto& s) { s.cdi_version = "0.5"; }, "cdiVersion", "unknown version",
       [](auto& s) { s.cdi_version = "0.1.0"; }},
      {"kind present", [](auto& s) { s.kind = ""; }, "kind", "missing", [](auto&) {}},
      {"kind shape", [](auto& s) { s.kind = "vendor.com"; }, "kind", "is not vendor/class",
       [](auto& s) { s.kind = "foo.bar.baz/foo-bar123"; }},
      {"kind vendor", [](auto& s) { s.kind = "1vendor.com/gpu"; }, "kind", "vendor `1vendor.com` must start with a letter",
       [](auto& s) { s.kind = "v.com/gpu"; }},
      {"kind class", [](auto& s) { s.kind = "vendor.com/gpu/x"; }, "kind", "class `gpu/x` has the invalid character",
       [](auto& s) { s.kind = "vendor.com/gpu_x-1"; }},
      {"class dots need 0.6.0", [](auto& s) { s.kind = "vendor.com/gpu.x"; }, "kind", "needs cdiVersion 0.6.0 or later",
       [](auto& s) { s.kind = "vendor.com/gpu.x", s.cdi_version = "0.6.0"; }},
      {"devices present", [](auto& s) { s.devices.clear(); }, "devices", "at least one device", [](auto&) {}},
      {"device name charset", [](auto& s) { s.devices[0].name = "a b"; }, "devices[0].name", "invalid character",
       [](auto& s) { s.devices[0].name = "a_b.c-d:e"; }},
      {"device name ends", [](auto& s) { s.devices[0].name = "gpu-"; }, "devices[0].name", "must end with",
       [](auto& s) { s.devices[0].name = "gpu-0"; }},
      {"device names unique", [](auto& s) { s.devices.push_back(s.devices[0]); }, "devices[1].name",
       "duplicate device name `dev0`", [](auto& s) { s.devices.push_back(s.devices[0]), s.devices[1].name = "dev1"; }},
      {"device edits non-empty", [](auto& s) { device_edits(s) = {}; }, "devices[0].containerEdits",
       "at least one edit", [](auto& s) { device_edits(s) = {}, device_edits(s).env = {"A=1"}; }},
      {"digit names need 0.5.0", [](auto& s) { s.devices[0].name = "0"; }, "devices[0].name",
       "needs cdiVersion 0.5.0", [](auto& s) { s.devices[0].name = "0", s.cdi_version = "0.5.0"; }},
      {"env NAME=value", [](auto& s) { device_edits(s).env = {"A=1", "NOVALUE"}; }, "devices[0].containerEdits.env[1]",
       "`NOVALUE` is not NAME=value", [](auto& s) { device_edits(s).env = {"A=", "B==x"}; }},
      {"env name not empty", [](auto& s) { s.edits.env = {"=x"}; }, "containerEdits.env[0]", "is not NAME=value",
       [](auto& s) { s.edits.env = {"x="}; }},
      {"node path absolute", [](auto& s) { device_edits(s).device_nodes[0].path = "dev/card0"; },
       "devices[0].containerEdits.deviceNodes[0].path", "is not an absolute path", [](auto&) {}},
      {"node path present", [](auto& s) { device_edits(s).device_nodes[0].path = ""; },
       "devices[0].containerEdits.deviceNodes[0].path", "missing", [](auto&) {}},
      {"node hostPath absolute", [](auto& s) { device_edits(s).device_nodes[0].host_path = "x", s.cdi_version = "0.5.0"; },
       "devices[0].containerEdits.deviceNodes[0].hostPath", "is not an absolute path",
       [](auto& s) { device_edits(s).device_nodes[0].host_path = "/x", s.cdi_version = "0.5.0"; }},
      {"hostPath needs 0.5.0", [](auto& s) { device_edits(s).device_nodes[0].host_path = "/x"; },
       "devices[0].containerEdits.deviceNodes[0].hostPath", "deviceNodes.hostPath needs cdiVersion 0.5.0",
       [](auto& s) { device_edits(s).device_nodes[0].host_path = ""; }},
      {"node type", [](auto& s) { device_edits(s).device_nodes[0].type = "x"; },
       "devices[0].containerEdits.deviceNodes[0].type", "`x` is not one of b, c, u, p",
       [](auto& s) { device_edits(s).device_nodes[0].type = "u"; }},
      {"node permissions", [](auto& s) { device_edits(s).device_nodes[0].permissions = "rwx"; },
       "devices[0].containerEdits.deviceNodes[0].permissions", "not a subset of rwm",
       [](auto& s) { device_edits(s).device_nodes[0].permissions = "mr"; }},
      {"permissions none", [](auto& s) { device_edits(s).device_nodes[0].permissions = "nonE"; },
       "devices[0].containerEdits.deviceNodes[0].permissions", "not a subset of rwm",
       [](auto& s) { device_edits(s).device_nodes[0].permissions = "none"; }},
      {"mount containerPath", [](auto& s) { s.edits.mounts.push_back({"/a", "a", "", {}}); },
       "containerEdits.mounts[0].containerPath", "is not an absolute path",
       [](auto& s) { s.edits.mounts.push_back({"/a", "/a", "", {"bind"}}); }},
      {"bind hostPath absolute", [](auto& s) { s.edits.mounts.push_back({"a", "/a", "", {"bind"}}); },
       "containerEdits.mounts[0].hostPath", "is not an absolute path",
       [](auto& s) { s.edits.mounts.push_back({"tmpfs", "/a", "tmpfs", {}}), s.cdi_version = "0.4.0"; }},
      {"mount hostPath present", [](auto& s) { s.edits.mounts.push_back({"", "/a", "tmpfs", {}}), s.cdi_version = "0.4.0"; },
       "containerEdits.mounts[0].hostPath", "missing", [](auto&) {}},
      {"mount type needs 0.4.0", [](auto& s) { s.edits.mounts.push_back({"/a", "/a", "bind", {}}); },
       "containerEdits.mounts[0].type", "mounts.type needs cdiVersion 0.4.0",
       [](auto& s) { s.edits.mounts.push_back({"/a", "/a", "bind", {}}), s.cdi_version = "0.4.0"; }},
      {"hook name", [](auto& s) { s.edits.hooks.push_back({"preStart", "/bin/h", {}, {}, {}}); },
       "containerEdits.hooks[0].hookName", "`preStart` is not one of prestart",
       [](auto& s) { s.edits.hooks.push_back({"poststop", "/bin/h", {}, {}, {}}); }},
      {"hook path", [](auto& s) { s.edits.hooks.push_back({"prestart", "h", {}, {}, {}}); },
       "containerEdits.hooks[0].path", "is not an absolute path",
       [](auto& s) { s.edits.hooks.push_back({"createRuntime", "/h", {"h", "x"}, {"A=b"}, 5}); }},
      {"hook env", [](auto& s) { s.edits.hooks.push_back({"prestart", "/h", {}, {"A"}, {}}); },
       "containerEdits.hooks[0].env[0]", "`A` is not NAME=value", [](auto&) {}},
      {"hook timeout", [](auto& s) { s.edits.hooks.push_back({"prestart", "/h", {}, {}, 0}); },
       "containerEdits.hooks[0].timeout", "must be greater than 0",
       [](auto& s) { s.edits.hooks.push_back({"prestart", "/h", {}, {}, 1}); }},
      {"annotations need 0.6.0", [](auto& s) { s.annotations = {{"a", "b"}}; }, "annotations",
       "annotations needs cdiVersion 0.6.0", [](auto& s) { s.annotations = {{"a", "b"}}, s.cdi_version = "0.6.0"; }},
      {"annotation key", [](auto& s) { s.cdi_version = "0.6.0", s.devices[0].annotations = {{"bad key", "v"}}; },
       "devices[0].annotations.bad key", "invalid character",
       [](auto& s) { s.cdi_version = "0.6.0", s.devices[0].annotations = {{"cdi.k8s.io/x", "v"}}; }},
      {"annotation keys unique", [](auto& s) { s.cdi_version = "0.6.0", s.annotations = {{"a", "1"}, {"a", "2"}}; },
       "annotations.a", "duplicate key", [](auto& s) { s.cdi_version = "0.6.0", s.annotations = {{"a", "1"}, {"A", "2"}}; }},
      {"annotations size", [](auto& s) { s.cdi_version = "0.6.0", s.annotations = {{"a", std::string(256 * 1024, 'x')}}; },
       "annotations", "larger than 256 KiB", [](auto& s) { s.cdi_version = "0.6.0", s.annotations = {{"a", std::string(1000, 'x')}}; }},
      {"additionalGids need 0.7.0", [](auto& s) { s.edits.additional_gids = {44}; }, "containerEdits.additionalGids",
       "needs cdiVersion 0.7.0", [](auto& s) { s.edits.additional_gids = {44}, s.cdi_version = "0.7.0"; }},
      {"intelRdt needs 0.7.0", [](auto& s) { s.edits.intel_rdt = Json{{"closID", "c"}}; }, "containerEdits.intelRdt",
       "intelRdt needs cdiVersion 0.7.0", [](auto& s) { s.edits.intel_rdt = Json{{"closID", "c"}}, s.cdi_version = "0.7.0"; }},
      {"intelRdt closID", [](auto& s) { s.edits.intel_rdt = Json{{"closID", "a/b"}}, s.cdi_version = "0.7.0"; },
       "containerEdits.intelRdt.closID", "not a valid file name", [](auto&) {}},
      {"intelRdt shape", [](auto& s) { s.edits.intel_rdt = Json{{"closid", "x"}}, s.cdi_version = "0.7.0"; },
       "containerEdits.intelRdt.closid", "unknown field", [](auto&) {}},
      {"intelRdt schemata needs 1.1.0", [](auto& s) { s.edits.intel_rdt = Json{{"schemata", {"L3:0=f"}}}, s.cdi_version = "0.7.0"; },
       "containerEdits.intelRdt.schemata", "needs cdiVersion 1.1.0",
       [](auto& s) { s.edits.intel_rdt = Json{{"schemata", {"L3:0=f"}}}, s.cdi_version = "1.1.0"; }},
      {"enableCMT dropped in 1.1.0", [](auto& s) { s.edits.intel_rdt = Json{{"enableCMT", true}}, s.cdi_version = "1.1.0"; },
       "containerEdits.intelRdt.enableCMT", "removed in cdiVersion 1.1.0",
       [](auto& s) { s.edits.intel_rdt = Json{{"enableCMT", true}}, s.cdi_version = "1.0.0"; }},
      {"netDevices need 1.1.0",
       [](auto& s) { device_edits(s).net_devices = {Json{{"hostInterfaceName", "eth1"}, {"name", "net0"}}}; },
       "devices[0].containerEdits.netDevices", "needs cdiVersion 1.1.0",
       [](auto& s) {
         device_edits(s).net_devices = {Json{{"hostInterfaceName", "eth1"}, {"name", "net0"}}};
         s.cdi_version = "1.1.0";
       }},
      {"netDevice names", [](auto& s) { s.edits.net_devices = {Json{{"hostInterfaceName", "eth/1"}}}, s.cdi_version = "1.1.0"; },
       "containerEdits.netDevices[0].hostInterfaceName", "not a valid interface name", [](auto&) {}},
      {"netDevice names unique",
       [](auto& s) {
         s.edits.net_devices = {Json{{"hostInterfaceName", "a"}, {"name", "x"}}, Json{{"hostInterfaceName", "b"}, {"name", "x"}}};
         s.cdi_version = "1.1.0";
       },
       "containerEdits.netDevices[1].name", "duplicate interface name `x`", [](auto&) {}},
  };
  for (const Rule& rule : rules) {
    INFO(rule.what);
    cdi::Spec broken = base();
    rule.breaks(broken);
    const auto problems = cdi::validate(broken);
    INFO(describe(problems));
    REQUIRE(problems.size() >= 1);
    bool found = false;
    for (const auto& p : problems) found = found || (p.location == rule.location && p.message.find(rule.message) != std::string::npos);
    CHECK(found);
    cdi::Spec kept = base();
    rule.keeps(kept);
    INFO(describe(cdi::validate(kept)));
    CHECK(cdi::validate(kept).empty());
  }
}

TEST_CASE("cdi validate: every problem is reported, version first, then in document order", "[cdi][validate]") {
  cdi::Spec s = base();
  s.cdi_version = "0.3.0";
  s.kind = "bad";
  s.devices.push_back({"x-", {}, {}});
  s.annotations = {{"a", "b"}};
  s.devices[0].edits.env = {"X"};
  s.edits.hooks.push_back({"nope", "rel", {}, {}, -1});
  const auto problems = cdi::validate(s);
  INFO(describe(problems));
  const std::vector<std::string> locations = {"annotations", "kind", "devices[0].containerEdits.env[0]", "devices[1].name",
                                              "devices[1].containerEdits", "containerEdits.hooks[0].hookName",
                                              "containerEdits.hooks[0].path", "containerEdits.hooks[0].timeout"};
  REQUIRE(problems.size() == locations.size());
  for (size_t i = 0; i < locations.size(); ++i) CHECK(problems[i].location == locations[i]);

  auto checked = cdi::check_spec(s, "/etc/cdi/x.yaml");
  REQUIRE_FALSE(checked);
  CHECK(checked.error().code() == Errc::bad_spec);
  CHECK(checked.error().message().starts_with("validate `/etc/cdi/x.yaml`: annotations: annotations needs cdiVersion "
                                              "0.6.0 or later, the spec declares 0.3.0; kind: `bad` is not vendor/class; "
                                              "devices[0].containerEdits.env[0]: `X` is not NAME=value; "));
}

TEST_CASE("cdi validate: minimum version", "[cdi][validate][version]") {
  struct Row {
    const char* what;
    std::function<void(cdi::Spec&)> change;
    const char* version;
  };
  const std::vector<Row> rows = {
      {"plain", [](auto&) {}, "0.3.0"},
      {"mount type", [](auto& s) { s.edits.mounts.push_back({"/a", "/a", "bind", {}}); }, "0.4.0"},
      {"mount without type", [](auto& s) { s.edits.mounts.push_back({"/a", "/a", "", {}}); }, "0.3.0"},
      {"hostPath", [](auto& s) { device_edits(s).device_nodes[0].host_path = "/h"; }, "0.5.0"},
      {"empty hostPath", [](auto& s) { device_edits(s).device_nodes[0].host_path = ""; }, "0.3.0"},
      {"digit name", [](auto& s) { s.devices[0].name = "0"; }, "0.5.0"},
      {"spec annotations", [](auto& s) { s.annotations = {{"a", "b"}}; }, "0.6.0"},
      {"device annotations", [](auto& s) { s.devices[0].annotations = {{"a", "b"}}; }, "0.6.0"},
      {"class dot", [](auto& s) { s.kind = "v.com/a.b"; }, "0.6.0"},
      {"vendor dot only", [](auto& s) { s.kind = "v.com/ab"; }, "0.3.0"},
      {"additionalGids", [](auto& s) { device_edits(s).additional_gids = {1}; }, "0.7.0"},
      {"intelRdt", [](auto& s) { s.edits.intel_rdt = Json::object(); }, "0.7.0"},
      {"enableMonitoring", [](auto& s) { s.edits.intel_rdt = Json{{"enableMonitoring", true}}; }, "1.1.0"},
      {"netDevices", [](auto& s) { s.edits.net_devices = {Json{{"hostInterfaceName", "a"}, {"name", "b"}}}; }, "1.1.0"},
      {"highest wins",
       [](auto& s) {
         s.devices[0].name = "0";
         s.edits.additional_gids = {1};
         s.edits.mounts.push_back({"/a", "/a", "bind", {}});
       },
       "0.7.0"},
  };
  for (const Row& row : rows) {
    INFO(row.what);
    cdi::Spec s = base();
    row.change(s);
    CHECK(cdi::minimum_version(s) == row.version);
    s.cdi_version = cdi::minimum_version(s); // the writer's rule makes the version problems go away
    for (const auto& p : cdi::validate(s)) CHECK(p.message.find("needs cdiVersion") == std::string::npos);
  }
}

TEST_CASE("cdi validate: versions", "[cdi][version]") {
  CHECK(cdi::parse_version("0.5.0") == cdi::Version{0, 5, 0});
  CHECK(cdi::parse_version("v1.1.0") == cdi::Version{1, 1, 0});
  for (const char* bad : {"", "v", "0.5", "1.2.0", "0.9.0", "vv0.5.0", "0.5.0 ", "latest"}) CHECK_FALSE(cdi::parse_version(bad));
  CHECK(cdi::known_versions().back() == cdi::latest_version);
  for (const auto& v : cdi::known_versions()) CHECK(cdi::parse_version(v)->str() == v);
  CHECK(cdi::Version{0, 10, 0} > cdi::Version{0, 9, 9});
}
