// Between CDI containerEdits and the shim's edits: what maps, what is completed from the host, what
// is refused.
#include <catch2/catch.hpp>

#include <map>

#include "cdi_support.hpp"
#include "nvrunc/cdi/convert.hpp"
#include "nvrunc/cdi/read.hpp"
#include "nvrunc/edits/apply.hpp"

using namespace nvrunc;

namespace {

edits::ContainerEdits shim_edits() {
  edits::ContainerEdits e;
  e.env = {"NVIDIA_VISIBLE_DEVICES=void"};
  e.device_nodes.push_back({"/dev/nvidiactl", "/dev/nvidiactl", 'c', 195, 255, 0666, 0, 0, "rw", "control"});
  e.device_nodes.push_back({"/dev/nvidia0", "/host/dev/nvidia0", 'c', 195, 0, 0660, 0, 44, "rwm", "gpu 0"});
  e.mounts.push_back({"/usr/bin/nvidia-smi", "/usr/bin/nvidia-smi", "bind", edits::read_only_bind_options(), "smi"});
  e.hooks.push_back({"createContainer", "/usr/bin/nvrunc-hook", {"nvrunc-hook", "x"}, {"PATH=/bin"}, 7, "links"});
  return e;
}

// A stat over a fixed table of host nodes, counting its calls.
struct FakeStat {
  std::map<std::string, cdi::HostNode> nodes;
  int calls = 0;
  cdi::StatFn fn() {
    return [this](const std::string& path) -> Result<cdi::HostNode> {
      ++calls;
      auto it = nodes.find(path);
      if (it == nodes.end()) return fail(Errc::not_found, "stat `" + path + "`", 2);
      return it->second;
    };
  }
};

} // namespace

TEST_CASE("cdi convert: edits to CDI and back", "[cdi][convert]") {
  const auto original = shim_edits();
  const cdi::ContainerEdits c = cdi::from_edits(original);
  REQUIRE(c.device_nodes.size() == 2);
  CHECK(c.device_nodes[1].host_path == "/host/dev/nvidia0");
  CHECK(c.device_nodes[1].type == "c");
  CHECK(c.device_nodes[1].gid == 44u);
  CHECK(c.mounts[0].type == "bind");
  CHECK(c.hooks[0].timeout == 7);
  auto back = cdi::to_edits(c);
  REQUIRE(back);
  CHECK(back->env == original.env);
  for (size_t i = 0; i < original.device_nodes.size(); ++i) {
    const auto &a = original.device_nodes[i], &b = back->device_nodes[i];
    CHECK(std::tie(a.path, a.host_path, a.type, a.major, a.minor, a.file_mode, a.uid, a.gid, a.permissions) ==
          std::tie(b.path, b.host_path, b.type, b.major, b.minor, b.file_mode, b.uid, b.gid, b.permissions));
    CHECK(b.reason.empty()); // CDI has no place for reasons
  }
  CHECK(back->mounts[0].options == original.mounts[0].options);
  CHECK(back->hooks[0].args == original.hooks[0].args);
  CHECK(back->hooks[0].env == original.hooks[0].env);
}

TEST_CASE("cdi convert: from_host leaves the numbers to the consumer", "[cdi][convert]") {
  const cdi::ContainerEdits c = cdi::from_edits(shim_edits(), cdi::NodeNumbers::from_host);
  for (const auto& d : c.device_nodes) {
    CHECK_FALSE(d.type);
    CHECK_FALSE(d.major);
    CHECK_FALSE(d.minor);
    CHECK(d.file_mode);
  }
  auto refused = cdi::to_edits(c);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code() == Errc::bad_spec);
  CHECK(refused.error().message() ==
        "convert `/dev/nvidiactl`: type and major are not known; complete the node from the host first");
}

TEST_CASE("cdi convert: CDI defaults", "[cdi][convert]") {
  cdi::ContainerEdits c;
  c.device_nodes.push_back({.path = "/dev/a", .type = "c", .major = 1, .minor = 2});
  c.device_nodes.push_back({.path = "/dev/b", .type = "b", .major = 8, .minor = 0, .permissions = "none"});
  c.device_nodes.push_back({.path = "/dev/f", .type = "p"});
  auto e = cdi::to_edits(c);
  REQUIRE(e);
  CHECK(e->device_nodes[0].permissions == "rwm"); // absent => rwm
  CHECK(e->device_nodes[0].file_mode == 0666u);   // runc's default
  CHECK(e->device_nodes[0].uid == 0u);
  CHECK(e->device_nodes[0].host_path.empty());
  CHECK(e->device_nodes[1].permissions == "none");
  CHECK(e->device_nodes[2].type == 'p');
  CHECK(e->device_nodes[2].permissions == "none"); // no cgroup rule for a fifo
}

TEST_CASE("cdi convert: members edits cannot hold are refused", "[cdi][convert]") {
  cdi::ContainerEdits c;
  c.additional_gids = {44};
  CHECK(cdi::to_edits(c).error().code() == Errc::unsupported);
  CHECK(cdi::to_edits(c).error().message() == "convert containerEdits: nvrunc cannot apply `additionalGids` yet");
  c = {};
  c.intel_rdt = cdi::Json::object();
  CHECK(cdi::to_edits(c).error().message().find("`intelRdt`") != std::string::npos);
  c = {};
  c.net_devices = {cdi::Json{{"hostInterfaceName", "a"}, {"name", "b"}}};
  CHECK(cdi::to_edits(c).error().message().find("`netDevices`") != std::string::npos);
}

TEST_CASE("cdi convert: complete device nodes from the host", "[cdi][convert]") {
  FakeStat host;
  host.nodes["/dev/nvidia0"] = {'c', 195, 0, 0666};
  host.nodes["/host/dev/nvidia-uvm"] = {'c', 509, 0, 0660};
  host.nodes["/dev/sda"] = {'b', 8, 0, 0660};
  host.nodes["/etc/passwd"] = {0, 0, 0, 0644};
  cdi::ContainerEdits c;
  c.device_nodes.push_back({.path = "/dev/nvidia0"});
  c.device_nodes.push_back({.path = "/dev/nvidia-uvm", .host_path = "/host/dev/nvidia-uvm", .file_mode = 0600});
  c.device_nodes.push_back({.path = "/dev/given", .type = "c", .major = 10, .minor = 200}); // no stat needed
  c.device_nodes.push_back({.path = "/dev/sda", .type = "b"});                             // major from the host
  REQUIRE(cdi::complete_device_nodes(c, host.fn()));
  CHECK(host.calls == 3);
  CHECK(c.device_nodes[0].type == "c");
  CHECK(c.device_nodes[0].major == 195);
  CHECK(c.device_nodes[0].file_mode == 0666u);
  CHECK(c.device_nodes[1].major == 509);
  CHECK(c.device_nodes[1].file_mode == 0600u); // given: kept
  CHECK_FALSE(c.device_nodes[2].file_mode);
  CHECK(c.device_nodes[3].major == 8);
  CHECK(cdi::to_edits(c));

  cdi::ContainerEdits u;
  u.device_nodes.push_back({.path = "/dev/nvidia0", .type = "u"}); // 'u' is an unbuffered char device
  CHECK(cdi::complete_device_nodes(u, host.fn()));

  cdi::ContainerEdits mismatch;
  mismatch.device_nodes.push_back({.path = "/dev/sda", .type = "c"});
  auto r = cdi::complete_device_nodes(mismatch, host.fn());
  REQUIRE_FALSE(r);
  CHECK(r.error().message() == "complete device node `/dev/sda`: the spec says type c, `/dev/sda` has type b");

  cdi::ContainerEdits regular;
  regular.device_nodes.push_back({.path = "/dev/x", .host_path = "/etc/passwd"});
  CHECK(cdi::complete_device_nodes(regular, host.fn()).error().message() ==
        "complete device node `/dev/x`: `/etc/passwd` is not a device node");

  cdi::ContainerEdits missing;
  missing.device_nodes.push_back({.path = "/dev/none"});
  auto m = cdi::complete_device_nodes(missing, host.fn());
  REQUIRE_FALSE(m);
  CHECK(m.error().code() == Errc::not_found);
  CHECK(m.error().message() == "complete device node `/dev/none`: stat `/dev/none`");
}

TEST_CASE("cdi convert: an AMD spec applied to config.json through edits", "[cdi][convert]") {
  auto spec = cdi::parse_spec(test::cdi_fixture("amd.json"), "amd.json");
  REQUIRE(spec);
  cdi::ContainerEdits c = spec->edits;
  for (const auto& d : spec->devices[0].edits.device_nodes) c.device_nodes.push_back(d);
  auto e = cdi::to_edits(c);
  REQUIRE(e);
  cdi::Json config = {{"ociVersion", "1.2.0"}, {"process", {{"env", {"PATH=/bin"}}}}};
  REQUIRE(edits::apply(config, *e));
  const auto& devices = config["linux"]["devices"];
  REQUIRE(devices.size() == 3);
  CHECK(devices[0]["path"] == "/dev/kfd");
  CHECK(devices[0]["major"] == 235);
  CHECK(devices[2]["path"] == "/dev/dri/renderD128");
  CHECK(devices[2]["gid"] == 109);
  CHECK(config["linux"]["resources"]["devices"][1]["access"] == "rw");
}
