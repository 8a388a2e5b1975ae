// The simulated node's pure parts: identities, validation, file formats, in-memory ELF patching.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <toml++/toml.h>

#include "nvrunc/mock/assets.hpp"
#include "nvrunc/mock/mock_driver.hpp"
#include "nvrunc/mock/node_files.hpp"

using namespace nvrunc;
using namespace nvrunc::mock;

namespace {

NodeFacts sample_node(int gpus = 2) {
  NodeSpec spec;
  spec.root = "/srv/node";
  spec.gpus = gpus;
  NodeFacts node;
  node.root = "/srv/node";
  node.driver_version = spec.driver_version;
  node.cuda_version = spec.cuda_version;
  node.uvm_major = 511;
  node.caps_major = 510;
  node.gpus = plan_gpus(spec);
  return node;
}

size_t count(std::string_view haystack, std::string_view needle) {
  size_t n = 0;
  for (auto at = haystack.find(needle); at != std::string_view::npos; at = haystack.find(needle, at + 1)) ++n;
  return n;
}

} // namespace

TEST_CASE("mock: gpus have deterministic well-formed distinct identities", "[mock]") {
  NodeSpec spec;
  spec.gpus = 64;
  auto gpus = plan_gpus(spec);
  REQUIRE(gpus.size() == 64);
  const std::regex uuid_form("GPU-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  std::set<std::string> uuids, buses;
  for (const auto& gpu : gpus) {
    CHECK(std::regex_match(gpu.uuid, uuid_form));
    CHECK(gpu.minor == gpu.index);
    uuids.insert(gpu.uuid);
    buses.insert(gpu.bus_id());
  }
  CHECK(uuids.size() == 64);
  CHECK(buses.size() == 64);
  // Golden values: other tests and users' CI may depend on them.
  CHECK(gpus[0].uuid == "GPU-8dcff006-f53d-6ea6-a584-38d0684ba6d7");
  CHECK(gpus[1].uuid == "GPU-8eebaeff-c8da-a0da-40da-2e1beb4df3a0");
  CHECK(gpus[0].bus_id() == "00000000:07:00.0");
  CHECK(gpus[0].proc_bus_id() == "0000:07:00.0");
  CHECK(gpus[7].bus_id() == "00000000:bd:00.0");
  CHECK(gpus[8].bus_id() == "00000001:07:00.0");
  CHECK(plan_gpus(spec)[5].uuid == gpus[5].uuid);
  spec.uuid_seed = "other";
  CHECK(plan_gpus(spec)[0].uuid != gpus[0].uuid);
}

TEST_CASE("mock: models come from the table or default to A100 values", "[mock]") {
  auto h100 = lookup_model("NVIDIA H100 80GB HBM3");
  CHECK(h100.cc_major == 9);
  CHECK(h100.pci_device_id == 0x233010de);
  auto custom = lookup_model("My GPU");
  CHECK(custom.name == "My GPU");
  CHECK(custom.memory_mib == 81920);
}

TEST_CASE("mock: node specs are validated field by field", "[mock]") {
  NodeSpec good;
  good.root = "/tmp/x";
  CHECK(validate(good));
  auto bad = [&](auto change) {
    NodeSpec spec = good;
    change(spec);
    auto r = validate(spec);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::invalid_argument);
    return r.error().what();
  };
  CHECK(bad([](NodeSpec& s) { s.gpus = 0; }).find("--gpus") != std::string::npos);
  CHECK(bad([](NodeSpec& s) { s.gpus = 65; }).find("--gpus") != std::string::npos);
  CHECK(bad([](NodeSpec& s) { s.driver_version = "550..1"; }).find("--driver-version") != std::string::npos);
  CHECK(bad([](NodeSpec& s) { s.driver_version = "v550"; }).find("--driver-version") != std::string::npos);
  CHECK(bad([](NodeSpec& s) { s.driver_version = ""; }).find("--driver-version") != std::string::npos);
  CHECK(bad([](NodeSpec& s) { s.model = "A\nB"; }).find("--model") != std::string::npos);
  CHECK(bad([](NodeSpec& s) { s.root = ""; }).find("--root") != std::string::npos);
  CHECK(bad([](NodeSpec& s) { s.root = "/tmp/a\nb"; }).find("--root") != std::string::npos);
}

TEST_CASE("mock: cuda versions convert like libnvidia-container prints them", "[mock]") {
  CHECK(parse_cuda_version("12.4").value() == 12040);
  CHECK(parse_cuda_version("11.8").value() == 11080);
  CHECK(parse_cuda_version("13.0").value() == 13000);
  for (const char* bad : {"12", "12.x", "", "1.2.3", "0.1", "123.4"}) CHECK_FALSE(parse_cuda_version(bad));
  CHECK(format_cuda_version(12040) == "12.4");
  CHECK(format_cuda_version(13000) == "13.0");
}

TEST_CASE("mock: free majors are picked from the dynamic ranges of character devices", "[mock]") {
  const std::string host = "Character devices:\n  1 mem\n511 taken\n254 ndctl\n\nBlock devices:\n510 blk\n";
  auto majors = pick_free_majors(host, 2);
  REQUIRE(majors);
  CHECK(*majors == std::vector<unsigned>{510, 509});
  std::string full = "Character devices:\n";
  for (int m = 384; m <= 511; ++m) full += std::to_string(m) + " x\n";
  majors = pick_free_majors(full + "254 y\n", 2);
  REQUIRE(majors);
  CHECK(*majors == std::vector<unsigned>{253, 252});
  CHECK_FALSE(pick_free_majors(full + "254 y\n", 21));
  CHECK(pick_free_majors(full + "254 y\n", 20));
}

TEST_CASE("mock: proc files follow the real driver's formats", "[mock]") {
  auto node = sample_node();
  const auto& gpu = node.gpus[1];
  CHECK(proc_gpu_information(node, gpu) ==
        "Model: \t\t NVIDIA A100-SXM4-80GB\nIRQ:   \t\t 42\nGPU UUID: \t " + gpu.uuid +
            "\nVideo BIOS: \t 92.00.36.00.02\nBus Type: \t PCIe\nDMA Size: \t 47 bits\nDMA Mask: \t 0x7fffffffffff\n"
            "Bus Location: \t 0000:0f:00.0\nDevice Minor: \t 1\nGPU Firmware: \t 550.54.15\nGPU Excluded:\t No\n");
  CHECK(proc_version(node).rfind("NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  ", 0) == 0);
  CHECK(proc_version(node).find("\nGCC version:  gcc version ") != std::string::npos);
  CHECK(proc_params().find("\nModifyDeviceFiles: 1\n") != std::string::npos);
  CHECK(proc_params().find("\nDeviceFileMode: 438\n") != std::string::npos);
  auto devices = proc_devices(node);
  CHECK(devices.rfind("Character devices:\n  1 mem\n", 0) == 0);
  CHECK(devices.find("\n195 nvidia\n195 nvidiactl\n") != std::string::npos);
  CHECK(devices.find("\n510 nvidia-caps\n511 nvidia-uvm\n\nBlock devices:\n") != std::string::npos);
}

TEST_CASE("mock: the library description lists the node and every gpu with the name last", "[mock]") {
  auto node = sample_node();
  auto text = library_description(node);
  CHECK(text.rfind("nvrunc-mock-node 1\ndriver=550.54.15\ncuda=12040\ndevdir=/srv/node/dev\n", 0) == 0);
  CHECK(text.find("gpu minor=1 uuid=" + node.gpus[1].uuid +
                  " pci=00000000:0f:00.0 device=0x20b210de subsystem=0x147f10de brand=14 cc=8.0 memory=81920 "
                  "power=400 mig=1 name=NVIDIA A100-SXM4-80GB\n") != std::string::npos);
  CHECK(library_description(sample_node(64)).size() < description_capacity());
}

TEST_CASE("mock: config.toml points nvrunc at the node with escaped strings", "[mock]") {
  auto node = sample_node();
  node.root = "/srv/we\"ird\\node";
  auto parsed = toml::parse(config_toml(node));
  CHECK(parsed["nvrunc"]["driver-root"].value_or(std::string()) == node.root);
  CHECK(parsed["nvrunc"]["dev-root"].value_or(std::string()) == node.root);
  CHECK(parsed["nvrunc"]["proc-root"].value_or(std::string()) == node.root + "/proc");
  CHECK(parsed["nvrunc"]["sys-root"].value_or(std::string()) == node.root + "/sys");
  CHECK(parsed["nvrunc"]["cache-dir"].value_or(std::string()) == node.root + "/nvrunc-cache"); // its own snapshot
  CHECK(toml_quote("a\tb") == "\"a\\u0009b\"");
}

TEST_CASE("mock: mock-driver.json describes the node", "[mock]") {
  auto node = sample_node();
  auto doc = nlohmann::json::parse(node_json(node));
  CHECK(doc["driver_version"] == "550.54.15");
  CHECK(doc["cuda_version"] == "12.4");
  CHECK(doc["cuda_driver_version"] == 12040);
  CHECK(doc["uvm_major"] == 511);
  REQUIRE(doc["gpus"].size() == 2);
  CHECK(doc["gpus"][1]["uuid"] == node.gpus[1].uuid);
  CHECK(doc["gpus"][1]["bus_id"] == "00000000:0f:00.0");
  CHECK(doc["gpus"][1]["minor"] == 1);
}

TEST_CASE("mock: embedded assets carry each marker exactly once", "[mock]") {
  auto driver = asset_bytes(Asset::driver_library);
  auto stub = asset_bytes(Asset::stub_library);
  REQUIRE(driver.substr(0, 4) == "\x7f" "ELF");
  CHECK(count(driver, soname_placeholder()) == 1);
  CHECK(count(stub, soname_placeholder()) == 1);
  CHECK(count(driver, description_marker()) == 1);
  CHECK(read_soname(driver).value() == soname_placeholder());
  CHECK(asset_bytes(Asset::smi_binary).substr(0, 4) == "\x7f" "ELF");
}

TEST_CASE("mock: soname patching rewrites DT_SONAME in place", "[mock]") {
  auto stub = asset_bytes(Asset::stub_library);
  auto patched = patch_soname(stub, "libnvidia-glcore.so.550.54.15");
  REQUIRE(patched);
  CHECK(patched->size() == stub.size());
  CHECK(read_soname(*patched).value() == "libnvidia-glcore.so.550.54.15");
  CHECK(count(*patched, soname_placeholder()) == 0);
  CHECK_FALSE(patch_soname(stub, std::string(64, 'x')));
  CHECK_FALSE(patch_soname(stub, ""));
  CHECK(patch_soname(*patched, "libcuda.so.1").error().code() == Errc::internal); // marker gone
  CHECK_FALSE(read_soname("not an elf file at all, not at all, not at all, not at all, not at all"));
}

TEST_CASE("mock: description patching fills the array and keeps the size", "[mock]") {
  auto driver = asset_bytes(Asset::driver_library);
  auto patched = patch_description(driver, "nvrunc-mock-node 1\ndriver=1.2\n");
  REQUIRE(patched);
  CHECK(patched->size() == driver.size());
  CHECK(patched->find("nvrunc-mock-node 1\ndriver=1.2\n") != std::string::npos);
  CHECK(count(*patched, description_marker()) == 0);
  CHECK_FALSE(patch_description(driver, std::string(description_capacity(), 'x')));
}

TEST_CASE("mock: building a node without root fails before touching anything", "[mock]") {
  if (::geteuid() == 0) return; // covered by mock_node_test as root
  NodeSpec spec;
  spec.root = "/tmp/nvrunc-mock-never-created";
  auto r = build_node(spec);
  REQUIRE_FALSE(r);
  CHECK(r.error().what() == "create `/tmp/nvrunc-mock-never-created/dev/nvidia0`: need root to create device nodes");
  CHECK_FALSE(std::filesystem::exists(spec.root));
}
