// Reading the GPU request from a spec: the toolkit's env grammar, sources, policy and errors.
#include <catch2/catch.hpp>

#include "nvrunc/request/request.hpp"

using namespace nvrunc;
using request::Devices;

namespace {

spec::Json spec_with_env(const std::vector<std::string>& env, bool privileged = false) {
  spec::Json s = {{"process", {{"env", env}}}};
  if (privileged) s["process"]["capabilities"]["bounding"] = {"CAP_SYS_ADMIN"};
  return s;
}

request::Request read(const spec::Json& s, const config::Config& c = {}) {
  auto r = request::read_request(s, c);
  REQUIRE(r);
  return *r;
}

} // namespace

TEST_CASE("request: NVIDIA_VISIBLE_DEVICES values", "[request]") {
  struct Row {
    std::vector<std::string> env;
    Devices devices;
    std::vector<std::string> ids;
  };
  const std::vector<Row> rows = {
      {{}, Devices::nothing, {}},
      {{"NVIDIA_VISIBLE_DEVICES="}, Devices::nothing, {}},
      {{"NVIDIA_VISIBLE_DEVICES= , "}, Devices::nothing, {}},
      {{"NVIDIA_VISIBLE_DEVICES=void"}, Devices::nothing, {}},
      {{"NVIDIA_VISIBLE_DEVICES=0,void"}, Devices::nothing, {}},
      {{"NVIDIA_VISIBLE_DEVICES=none"}, Devices::driver_only, {}},
      {{"NVIDIA_VISIBLE_DEVICES=all"}, Devices::all, {}},
      {{"NVIDIA_VISIBLE_DEVICES=1,all"}, Devices::all, {}},
      {{"NVIDIA_VISIBLE_DEVICES=0"}, Devices::list, {"0"}},
      {{"NVIDIA_VISIBLE_DEVICES= 1 ,0,1,,GPU-abc "}, Devices::list, {"1", "0", "GPU-abc"}},
      {{"NVIDIA_VISIBLE_DEVICES=none,2"}, Devices::list, {"2"}},
      {{"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_VISIBLE_DEVICES=1"}, Devices::list, {"1"}},
      // the legacy CUDA image rule
      {{"CUDA_VERSION=12.4.1"}, Devices::all, {}},
      {{"CUDA_VERSION=12.4.1", "NVIDIA_REQUIRE_CUDA=cuda>=12.4"}, Devices::nothing, {}},
      {{"CUDA_VERSION=12.4.1", "NVIDIA_VISIBLE_DEVICES=void"}, Devices::nothing, {}},
      {{"CUDA_VERSION=12.4.1", "NVIDIA_VISIBLE_DEVICES=0"}, Devices::list, {"0"}},
  };
  for (const auto& row : rows) {
    INFO("env: " << nlohmann::json(row.env).dump());
    auto r = read(spec_with_env(row.env));
    CHECK(r.devices == row.devices);
    CHECK(r.ids == row.ids);
  }
}

TEST_CASE("request: capabilities", "[request]") {
  auto caps = [](std::vector<std::string> env, const config::Config& c = {}) {
    env.push_back("NVIDIA_VISIBLE_DEVICES=0");
    return read(spec_with_env(env), c).capabilities.to_string();
  };
  CHECK(caps({}) == "utility,compute");
  CHECK(caps({"NVIDIA_DRIVER_CAPABILITIES="}) == "utility,compute");
  CHECK(caps({"NVIDIA_DRIVER_CAPABILITIES=compute"}) == "compute");
  CHECK(caps({"NVIDIA_DRIVER_CAPABILITIES=utility, video"}) == "utility,video");
  CHECK(caps({"NVIDIA_DRIVER_CAPABILITIES=all"}) == "utility,compute,video,graphics,display,ngx,compat32");
  CHECK(caps({"NVIDIA_DRIVER_CAPABILITIES=none"}).empty());
  CHECK(read(spec_with_env({"CUDA_VERSION=12.0"})).capabilities == Capabilities::all()); // legacy image
  config::Config limited;
  limited.supported_capabilities = *Capabilities::parse("utility,compute");
  CHECK(caps({"NVIDIA_DRIVER_CAPABILITIES=all"}, limited) == "utility,compute");

  auto bad = request::read_request(spec_with_env({"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=compute,gaming"}), {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == Errc::invalid_argument);
  CHECK(bad.error().what().find("gaming") != std::string::npos);
  CHECK(bad.error().what().find("NVIDIA_DRIVER_CAPABILITIES") != std::string::npos);
  auto unsupported = request::read_request(
      spec_with_env({"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=graphics"}), limited);
  REQUIRE_FALSE(unsupported);
  CHECK(unsupported.error().what().find("supports only") != std::string::npos);
}

TEST_CASE("request: requirements", "[request]") {
  auto r = read(spec_with_env({"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_REQUIRE_Z=driver>=500", "NVIDIA_REQUIRE_CUDA=cuda>=12.0",
                               "NVIDIA_REQUIRE_JETPACK=csv-mounts=all", "NVIDIA_REQUIRE_EMPTY="}));
  REQUIRE(r.requirements.size() == 2);
  CHECK(r.requirements[0].variable == "NVIDIA_REQUIRE_CUDA");
  CHECK(r.requirements[0].expression == "cuda>=12.0");
  CHECK(r.requirements[1].variable == "NVIDIA_REQUIRE_Z");
  CHECK(r.requirements[1].expression == "driver>=500");
  CHECK_FALSE(r.requirements_disabled);
  auto legacy = read(spec_with_env({"CUDA_VERSION=11.8.0"}));
  CHECK(legacy.legacy_image);
  REQUIRE(legacy.requirements.size() == 1);
  CHECK(legacy.requirements[0].expression == "cuda>=11.8");
  CHECK(legacy.requirements[0].variable.find("legacy") != std::string::npos);
  CHECK(read(spec_with_env({"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DISABLE_REQUIRE=true"})).requirements_disabled);
  CHECK(read(spec_with_env({"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DISABLE_REQUIRE=1"})).requirements_disabled);
  CHECK_FALSE(read(spec_with_env({"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DISABLE_REQUIRE=yes"})).requirements_disabled);
  CHECK_FALSE(read(spec_with_env({"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DISABLE_REQUIRES=true"})).requirements_disabled);
  config::Config c;
  c.disable_require = true;
  CHECK(read(spec_with_env({"NVIDIA_VISIBLE_DEVICES=0"}), c).requirements_disabled);
}

TEST_CASE("request: privilege policy for env requests", "[request]") {
  config::Config strict;
  strict.accept_envvar_unprivileged = false;
  auto unprivileged = read(spec_with_env({"NVIDIA_VISIBLE_DEVICES=all"}), strict);
  CHECK(unprivileged.devices == Devices::nothing);
  REQUIRE(unprivileged.notes.size() == 1);
  CHECK(unprivileged.notes[0].find("unprivileged") != std::string::npos);
  CHECK(read(spec_with_env({"NVIDIA_VISIBLE_DEVICES=all"}, true), strict).devices == Devices::all);
  CHECK(read(spec_with_env({"NVIDIA_VISIBLE_DEVICES=all"})).devices == Devices::all); // default: accepted
}

TEST_CASE("request: volume mounts and swarm resources", "[request]") {
  spec::Json s = spec_with_env({"NVIDIA_VISIBLE_DEVICES=all"});
  s["mounts"] = {{{"destination", "/var/run/nvidia-container-devices/GPU-x"}, {"source", "/dev/null"}},
                 {{"destination", "/run/nvidia-container-devices/1"}, {"source", "/dev/null"}},
                 {{"destination", "/var/run/nvidia-container-devices/2"}, {"source", "/somewhere"}}};
  CHECK(read(s).devices == Devices::all); // volume mounts are off by default
  config::Config c;
  c.accept_volume_mounts = true;
  c.accept_envvar_unprivileged = false;
  auto r = read(s, c);
  CHECK(r.devices == Devices::list);
  CHECK(r.ids == std::vector<std::string>{"GPU-x", "1"});
  config::Config swarm;
  swarm.swarm_resource = {"DOCKER_RESOURCE_GPU"};
  auto sw = read(spec_with_env({"NVIDIA_VISIBLE_DEVICES=all", "DOCKER_RESOURCE_GPU=3"}), swarm);
  CHECK(sw.ids == std::vector<std::string>{"3"});
}

TEST_CASE("request: kubernetes sandbox containers get nothing", "[request]") {
  for (const char* key : {"io.kubernetes.cri.container-type", "io.kubernetes.cri-o.ContainerType"}) {
    spec::Json s = spec_with_env({"NVIDIA_VISIBLE_DEVICES=all"});
    s["annotations"][key] = "sandbox";
    CHECK(read(s).devices == Devices::nothing);
    s["annotations"][key] = "container";
    CHECK(read(s).devices == Devices::all);
  }
}

TEST_CASE("request: hostile ids are bounded", "[request]") {
  std::string many = "NVIDIA_VISIBLE_DEVICES=";
  for (int i = 0; i < 2000; ++i) many += std::to_string(i) + ",";
  auto r = request::read_request(spec_with_env({many}), {});
  REQUIRE_FALSE(r);
  CHECK(r.error().what().find("too many") != std::string::npos);
  auto long_id = request::read_request(spec_with_env({"NVIDIA_VISIBLE_DEVICES=" + std::string(300, 'x')}), {});
  REQUIRE_FALSE(long_id);
}

TEST_CASE("request: Go boolean grammar", "[request]") {
  for (const char* t : {"1", "t", "T", "TRUE", "true", "True"}) CHECK(request::parse_go_bool(t) == true);
  for (const char* f : {"0", "f", "F", "FALSE", "false", "False"}) CHECK(request::parse_go_bool(f) == false);
  for (const char* x : {"yes", "", "tRuE", "2"}) CHECK_FALSE(request::parse_go_bool(x));
}

TEST_CASE("request: feature switches", "[request]") {
  auto r = read(spec_with_env({"NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_GDS=enabled", "NVIDIA_MOFED=yes", "NVIDIA_GDRCOPY=enabled"}));
  CHECK(r.gds);
  CHECK_FALSE(r.mofed); // only "enabled" counts
  CHECK_FALSE(r.nvswitch);
  CHECK(r.gdrcopy);
  CHECK_FALSE(read(spec_with_env({"NVIDIA_GDS=enabled"})).gds); // no GPU request: nothing
}

TEST_CASE("request: CDI names in NVIDIA_VISIBLE_DEVICES", "[request][cdi]") {
  struct Row {
    std::string value;
    Devices devices;
    std::vector<std::string> ids;
  };
  const std::vector<Row> rows = {
      {"nvidia.com/gpu=0", Devices::cdi, {"nvidia.com/gpu=0"}},
      {"nvidia.com/gpu=0,1", Devices::cdi, {"nvidia.com/gpu=0", "nvidia.com/gpu=1"}},
      {"1, nvidia.com/gpu=1:0 ,all", Devices::cdi, {"nvidia.com/gpu=1", "nvidia.com/gpu=1:0", "nvidia.com/gpu=all"}},
      {"amd.com/gpu=0,nvidia.com/gpu=GPU-x,amd.com/gpu=0", Devices::cdi, {"amd.com/gpu=0", "nvidia.com/gpu=GPU-x"}},
      {"nvidia.com/gpu=0,none", Devices::cdi, {"nvidia.com/gpu=0"}},
      {"nvidia.com/gpu=0,void", Devices::nothing, {}},
      {"0,1", Devices::list, {"0", "1"}}, // no qualified name: the legacy path
  };
  for (const auto& row : rows) {
    INFO(row.value);
    auto r = read(spec_with_env({"NVIDIA_VISIBLE_DEVICES=" + row.value}));
    CHECK(r.devices == row.devices);
    CHECK(r.ids == row.ids);
  }
  config::Config other;
  other.cdi_default_kind = "example.com/accel";
  CHECK(read(spec_with_env({"NVIDIA_VISIBLE_DEVICES=2,nvidia.com/gpu=0"}), other).ids ==
        std::vector<std::string>{"example.com/accel=2", "nvidia.com/gpu=0"});
  auto bad = request::read_request(spec_with_env({"NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=0,bad/name/x=1"}), {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == Errc::invalid_argument);
  CHECK(bad.error().what().find("NVIDIA_VISIBLE_DEVICES") != std::string::npos);
}

TEST_CASE("request: CDI annotations come first, are not subject to the env policy, and must be qualified",
          "[request][cdi]") {
  spec::Json s = spec_with_env({"NVIDIA_VISIBLE_DEVICES=all"});
  s["annotations"] = {{"cdi.k8s.io/plugin_b", "nvidia.com/gpu=1"},
                      {"cdi.k8s.io/plugin_a", "nvidia.com/gpu=0, nvidia.com/gpu=1"},
                      {"io.kubernetes.cri.container-type", "container"}};
  config::Config c;
  c.accept_envvar_unprivileged = false;
  auto r = read(s, c);
  CHECK(r.devices == Devices::cdi);
  CHECK(r.ids == std::vector<std::string>{"nvidia.com/gpu=0", "nvidia.com/gpu=1"}); // in key order
  CHECK(r.source.find("cdi.k8s.io/plugin_a, cdi.k8s.io/plugin_b") != std::string::npos);
  CHECK(r.capabilities.to_string() == "utility,compute");
  config::Config off;
  off.cdi_annotation_prefixes.clear();
  CHECK(read(s, off).devices == Devices::all);
  config::Config custom;
  custom.cdi_annotation_prefixes = {"example.com/devices."};
  s["annotations"]["example.com/devices.x"] = "amd.com/gpu=0";
  CHECK(read(s, custom).ids == std::vector<std::string>{"amd.com/gpu=0"});
  s["annotations"] = {{"cdi.k8s.io/x", "0"}};
  auto bad = request::read_request(s, {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().what().find("`0` is not a fully-qualified CDI device name") != std::string::npos);
}

TEST_CASE("request: CDI names in volume mounts", "[request][cdi]") {
  spec::Json s = spec_with_env({});
  s["mounts"] = {{{"destination", "/var/run/nvidia-container-devices/cdi/nvidia.com/gpu/0"}, {"source", "/dev/null"}},
                 {{"destination", "/var/run/nvidia-container-devices/cdi/nvidia.com/gpu=GPU-1"}, {"source", "/dev/null"}},
                 {{"destination", "/var/run/nvidia-container-devices/3"}, {"source", "/dev/null"}}};
  config::Config c;
  c.accept_volume_mounts = true;
  auto r = read(s, c);
  CHECK(r.devices == Devices::cdi);
  CHECK(r.ids == std::vector<std::string>{"nvidia.com/gpu=0", "nvidia.com/gpu=GPU-1", "nvidia.com/gpu=3"});
}
