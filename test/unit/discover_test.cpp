// Discovery against driver roots on disk: fake ones built here (no root needed) and, as root, a
// full simulated node from nvrunc-ctl mock-driver.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "nvrunc/discover/driver_files.hpp"
#include "nvrunc/discover/inventory.hpp"
#include "nvrunc/discover/nvml.hpp"
#include "nvrunc/mock/assets.hpp"
#include "nvrunc/mock/mock_driver.hpp"
#include "fake_driver_root.hpp"
#include "test_util.hpp"

using namespace nvrunc;

namespace {

using namespace nvrunc::test::fake_driver;

// Device nodes as a test wants them, without mknod.
class FakeNodes : public discover::HostFs {
public:
  using HostFs::HostFs;
  Result<std::optional<discover::NodeInfo>> stat_node(std::string_view path) const override {
    if (path == "/dev/nvidia5") return std::optional<discover::NodeInfo>(discover::NodeInfo{'c', 1, 3, 0666, 0, 0});
    if (path == "/dev/nvidiactl") return std::optional<discover::NodeInfo>(discover::NodeInfo{'c', 195, 255, 0660, 0, 44});
    return std::optional<discover::NodeInfo>();
  }
};

} // namespace

TEST_CASE("discover: a fake driver root", "[discover]") {
  test::TempDir dir;
  const std::string r = make_fake_root(dir);
  discover::HostFs fs({r, r, r + "/proc"});
  auto inv = discover::discover(fs, options());
  REQUIRE(inv);
  CHECK(inv->driver_version == version);
  REQUIRE(inv->gpus.size() == 2); // the incomplete one is skipped with a note
  CHECK(inv->gpus[0].bus_id == "00000000:07:00.0");
  CHECK(inv->gpus[0].index == 0);
  CHECK(inv->gpus[0].minor == 5);
  CHECK(inv->gpus[1].uuid == "GPU-bbbbbbbb-0000-0000-0000-000000000000");
  CHECK(inv->gpus[1].node.path == "/dev/nvidia3");
  CHECK_FALSE(inv->gpus[1].node.on_host); // described from the numbers: runc creates it
  REQUIRE(inv->uvm);
  CHECK(inv->uvm->major == 507);
  CHECK(inv->uvm_tools->minor == 1);
  REQUIRE(inv->libraries.size() == 2);
  CHECK(inv->libraries[0].prefix == "libnvidia-ml.so");
  CHECK(inv->libraries[0].soname == "libnvidia-ml.so.1");
  CHECK(inv->libraries[1].path == libdir + "/libcuda.so." + version); // the stale 470 one is skipped
  CHECK(inv->libraries[1].host_path == r + libdir + "/libcuda.so." + version);
  REQUIRE(inv->binaries.size() == 1);
  CHECK(inv->binaries[0].path == "/usr/local/nvidia/bin/nvidia-smi"); // the wrapper script is not taken
  const auto& w = inv->warnings;
  auto has = [&](const std::string& s) {
    return std::any_of(w.begin(), w.end(), [&](const std::string& x) { return x.find(s) != std::string::npos; });
  };
  CHECK(has("not from driver 550.54.15"));
  CHECK(has("not an ELF executable"));
  CHECK(has("incomplete information file"));
  CHECK(std::count_if(w.begin(), w.end(), [](auto& x) { return x.find("ELF") != std::string::npos; }) == 1);
}

TEST_CASE("discover: host nodes are checked against NVIDIA's numbers", "[discover]") {
  test::TempDir dir;
  const std::string r = make_fake_root(dir);
  FakeNodes fs({r, r, r + "/proc"});
  auto inv = discover::discover(fs, options());
  REQUIRE(inv);
  CHECK(inv->nvidiactl->on_host);
  CHECK(inv->nvidiactl->mode == 0660);
  CHECK(inv->nvidiactl->gid == 44);
  CHECK(inv->nvidiactl->problem.empty());
  CHECK(inv->gpus[0].node.problem == "host node `/dev/nvidia5` is c 1:3, expected c 195:5");
}

TEST_CASE("discover: no driver, no cache", "[discover]") {
  test::TempDir dir;
  discover::HostFs empty({dir.str(), dir.str(), dir.str() + "/proc"});
  auto none = discover::discover(empty, options());
  REQUIRE(none);
  CHECK_FALSE(none->driver_loaded());
  test::write_file(dir.str() + "/proc/driver/nvidia/version", "NVRM version: NVIDIA UNIX x86_64 Kernel Module  1.2.3  x\n");
  auto nocache = discover::discover(empty, options());
  REQUIRE(nocache);
  CHECK(nocache->libraries.empty());
  CHECK_FALSE(nocache->warnings.empty());
  test::write_file(dir.str() + "/etc/ld.so.cache", "garbage");
  auto corrupt = discover::discover(empty, options());
  REQUIRE_FALSE(corrupt); // a corrupt cache is an error, not "no libraries"
}

TEST_CASE("discover: a simulated node (nvrunc-ctl mock-driver)", "[discover][root]") {
  if (::geteuid() != 0) {
    WARN("skipped: building a simulated node needs root (device nodes)");
    return;
  }
  test::TempDir dir;
  mock::NodeSpec spec;
  spec.root = dir.str() + "/node";
  spec.gpus = 3;
  auto report = mock::build_node(spec);
  REQUIRE(report);
  discover::HostFs fs({spec.root, spec.root, spec.root + "/proc"});
  auto inv = discover::discover(fs, {"/etc/ld.so.cache", {"/usr/bin"}});
  REQUIRE(inv);
  auto desc = nlohmann::json::parse(test::read_file(spec.root + "/mock-driver.json"));
  CHECK(inv->driver_version == "550.54.15");
  REQUIRE(inv->gpus.size() == 3);
  for (const auto& g : inv->gpus) {
    CHECK(g.uuid == desc["gpus"][g.index]["uuid"]);
    CHECK(g.node.on_host);
    CHECK(g.node.problem.empty());
  }
  CHECK(inv->uvm->major == desc["uvm_major"]);
  CHECK(inv->nvidiactl->on_host);
  // every table library, and the EGL platform libraries that carry their own versions (no wayland2)
  CHECK(inv->libraries.size() == discover::driver_libraries().size() + discover::driver_platform_libraries().size() - 1);
  for (const auto& l : inv->libraries) CHECK_FALSE(l.soname.empty());
  CHECK(inv->binaries.size() == 5);
  CHECK(inv->warnings.empty());

  // NVML, loaded from the node, agrees with procfs.
  auto nvml_lib = std::find_if(inv->libraries.begin(), inv->libraries.end(),
                               [](const discover::Library& l) { return l.prefix == "libnvidia-ml.so"; });
  REQUIRE(nvml_lib != inv->libraries.end());
  auto nvml = discover::query_nvml(nvml_lib->host_path);
  REQUIRE(nvml);
  CHECK(nvml->cuda_version == "12.4");
  REQUIRE(nvml->gpus.size() == 3);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(nvml->gpus[i].uuid == inv->gpus[i].uuid);
    CHECK(nvml->gpus[i].bus_id == inv->gpus[i].bus_id);
    CHECK(nvml->gpus[i].arch == "8.0");
    CHECK(nvml->gpus[i].brand.has_value());
  }
  auto missing = discover::query_nvml(dir.str() + "/no-such-libnvidia-ml.so.1");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == Errc::driver_missing);
}
