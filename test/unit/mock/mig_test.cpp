// MIG on the simulated node, pure parts: the capability numbering, the files that carry it, the
// layout grammar, placement and ids, the DGX preset.
#include <catch2/catch.hpp>
#include <regex>
#include <set>

#include "nvrunc/mock/mig.hpp"
#include "nvrunc/mock/mock_driver.hpp"

using namespace nvrunc;
using namespace nvrunc::mock;

namespace {

Gpu a100(unsigned index, const std::string& model = "NVIDIA A100-SXM4-80GB") {
  NodeSpec spec;
  spec.gpus = int(index) + 1;
  spec.model = model;
  return plan_gpus(spec)[index];
}

// (gi, ci, profile) of each MIG device of `layout` on an A100 80GB.
std::vector<std::tuple<unsigned, unsigned, std::string>> ids(const std::string& layout) {
  Gpu gpu = a100(0);
  auto planned = plan_mig(gpu, layout, "");
  if (!planned) FAIL(planned.error().what());
  std::vector<std::tuple<unsigned, unsigned, std::string>> out;
  for (const auto& d : gpu.mig) out.emplace_back(d.gi, d.ci, d.profile);
  return out;
}

std::string plan_error(const std::string& layout, const std::string& model = "NVIDIA A100-SXM4-80GB") {
  Gpu gpu = a100(0, model);
  auto planned = plan_mig(gpu, layout, "");
  if (planned) return "";
  CHECK(planned.error().code() == Errc::invalid_argument);
  CHECK_FALSE(gpu.mig_enabled);
  return planned.error().what();
}

} // namespace

TEST_CASE("mock mig: capability minors follow the driver's numbering", "[mock][mig]") {
  CHECK(mig_gi_minor(0, 0) == 3);
  CHECK(mig_ci_minor(0, 0, 0) == 4);
  CHECK(mig_ci_minor(0, 0, 7) == 11);
  CHECK(mig_gi_minor(0, 1) == 12);
  CHECK(mig_gi_minor(1, 0) == 3 + 135);
  CHECK(mig_ci_minor(3, 3, 3) == 439); // values from real hosts
  CHECK(mig_ci_minor(6, 11, 7) == 920);
  CHECK(mig_ci_minor(31, 14, 7) == 4322);
}

TEST_CASE("mock mig: mig-minors lists every capability of 32 GPUs, line N naming minor N", "[mock][mig]") {
  const auto text = mig_minors_file();
  CHECK(text.rfind("config 1\nmonitor 2\ngpu0/gi0/access 3\ngpu0/gi0/ci0/access 4\ngpu0/gi0/ci1/access 5\n", 0) == 0);
  CHECK(text.find("\ngpu0/gi0/ci7/access 11\ngpu0/gi1/access 12\n") != std::string::npos);
  CHECK(text.find("\ngpu1/gi0/access 138\n") != std::string::npos);
  const std::string last = "gpu31/gi14/ci7/access 4322\n";
  CHECK(text.compare(text.size() - last.size(), last.size(), last) == 0);
  std::istringstream lines(text);
  unsigned n = 0;
  for (std::string line; std::getline(lines, line);) {
    ++n;
    REQUIRE(line.substr(line.rfind(' ') + 1) == std::to_string(n));
  }
  CHECK(n == 2 + 32 * 15 * 9);
}

TEST_CASE("mock mig: capability files carry minor, mode and modify flag", "[mock][mig]") {
  CHECK(mig_cap_file(1, mig_config_mode) == "DeviceFileMinor: 1\nDeviceFileMode: 256\nDeviceFileModify: 1\n");
  CHECK(mig_cap_file(2, mig_access_mode) == "DeviceFileMinor: 2\nDeviceFileMode: 292\nDeviceFileModify: 1\n");
}

TEST_CASE("mock mig: --mig takes distinct GPU indexes", "[mock][mig]") {
  auto ok = parse_mig_gpus("1,6");
  REQUIRE(ok);
  REQUIRE(ok->size() == 2);
  CHECK(((*ok)[0].gpu == 1 && (*ok)[1].gpu == 6 && (*ok)[1].layout.empty()));
  CHECK(parse_mig_gpus(" 2 , 3")->size() == 2);
  for (const char* bad : {"", "a", "1,,2", "1,1", "-1", "1;2", "0x1"}) {
    INFO(bad);
    auto r = parse_mig_gpus(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().what().find("check --mig") == 0);
  }
}

TEST_CASE("mock mig: --mig-layout takes GPU:LAYOUT", "[mock][mig]") {
  auto ok = parse_mig_layout("3:1g.10gb,1c.3g.40gb+2c.3g.40gb");
  REQUIRE(ok);
  CHECK(ok->gpu == 3);
  CHECK(ok->layout == "1g.10gb,1c.3g.40gb+2c.3g.40gb");
  for (const char* bad : {"1g.10gb", "x:1g.10gb", "0:", ":1g.10gb", "-1:1g.10gb"}) {
    INFO(bad);
    CHECK_FALSE(parse_mig_layout(bad));
  }
}

TEST_CASE("mock mig: default layouts name the model's memory", "[mock][mig]") {
  CHECK(default_mig_layout(lookup_model("NVIDIA A100-SXM4-80GB")) == "1g.10gb,1g.10gb,2g.20gb,1c.3g.40gb+2c.3g.40gb");
  CHECK(default_mig_layout(lookup_model("NVIDIA A100-SXM4-40GB")) == "1g.5gb,1g.5gb,2g.10gb,1c.3g.20gb+2c.3g.20gb");
  CHECK(default_mig_layout(lookup_model("NVIDIA H200")) == "1g.18gb,1g.18gb,2g.35gb,1c.3g.71gb+2c.3g.71gb");
}

TEST_CASE("mock mig: the default layout gets real-looking ids, placements, caps and UUIDs", "[mock][mig]") {
  Gpu gpu = a100(1);
  REQUIRE(plan_mig(gpu, "", ""));
  CHECK(gpu.mig_enabled);
  REQUIRE(gpu.mig.size() == 5);
  struct Expect {
    unsigned gi, ci;
    const char* profile;
    unsigned placement, memory, ci_slices;
  };
  const Expect expect[] = {{2, 0, "1c.3g.40gb", 4, 40960, 1}, {2, 1, "2c.3g.40gb", 4, 40960, 2},
                           {4, 0, "2g.20gb", 2, 20480, 2},    {7, 0, "1g.10gb", 0, 10240, 1},
                           {8, 0, "1g.10gb", 1, 10240, 1}};
  const std::regex uuid_form("MIG-[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> uuids;
  for (unsigned i = 0; i < 5; ++i) {
    const auto& d = gpu.mig[i];
    INFO(i);
    CHECK(d.index == i);
    CHECK(d.gi == expect[i].gi);
    CHECK(d.ci == expect[i].ci);
    CHECK(d.profile == expect[i].profile);
    CHECK(d.placement == expect[i].placement);
    CHECK(d.memory_mib == expect[i].memory);
    CHECK(d.ci_slices == expect[i].ci_slices);
    CHECK(d.gi_cap == mig_gi_minor(1, d.gi));
    CHECK(d.ci_cap == mig_ci_minor(1, d.gi, d.ci));
    CHECK(std::regex_match(d.uuid, uuid_form));
    uuids.insert(d.uuid);
  }
  CHECK(uuids.size() == 5);
  CHECK(gpu.mig[0].gi_cap == 156);
  CHECK(gpu.mig[0].gi_profile == "3g.40gb");
  // Deterministic, and the seed varies them like GPU UUIDs.
  Gpu again = a100(1), seeded = a100(1);
  REQUIRE(plan_mig(again, "", ""));
  REQUIRE(plan_mig(seeded, "", "other"));
  CHECK(again.mig[3].uuid == gpu.mig[3].uuid);
  CHECK(seeded.mig[3].uuid != gpu.mig[3].uuid);
}

TEST_CASE("mock mig: layouts are placed as the hardware allows", "[mock][mig]") {
  using Ids = std::vector<std::tuple<unsigned, unsigned, std::string>>;
  CHECK(ids("7g.80gb") == Ids{{0, 0, "7g.80gb"}});
  CHECK(ids("3g.40gb,4g.40gb") == Ids{{1, 0, "4g.40gb"}, {2, 0, "3g.40gb"}});
  CHECK(ids("3g.40gb,3g.40gb") == Ids{{1, 0, "3g.40gb"}, {2, 0, "3g.40gb"}});
  CHECK(ids("2g.20gb,2g.20gb,2g.20gb,1g.10gb") ==
        Ids{{3, 0, "2g.20gb"}, {4, 0, "2g.20gb"}, {5, 0, "2g.20gb"}, {13, 0, "1g.10gb"}});
  CHECK(ids("1g.20gb,1g.20gb,1g.20gb,1g.20gb") ==
        Ids{{3, 0, "1g.20gb"}, {4, 0, "1g.20gb"}, {5, 0, "1g.20gb"}, {6, 0, "1g.20gb"}});
  auto seven = ids("1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb");
  REQUIRE(seven.size() == 7);
  CHECK(std::get<0>(seven.front()) == 7);
  CHECK(std::get<0>(seven.back()) == 13);
  CHECK(ids("1c.7g.80gb+1c.7g.80gb+5c.7g.80gb") ==
        Ids{{0, 0, "1c.7g.80gb"}, {0, 1, "1c.7g.80gb"}, {0, 2, "5c.7g.80gb"}});
  CHECK(ids(" 1g.10gb , 2g.20gb ").size() == 2);
}

TEST_CASE("mock mig: bad layouts are refused with the reason", "[mock][mig]") {
  CHECK(plan_error("8g.80gb").find("has the GPU instance profiles 1g.10gb, 1g.20gb, 2g.20gb, 3g.40gb, 4g.40gb, "
                                   "7g.80gb") != std::string::npos);
  CHECK(plan_error("1g.5gb").find("check --mig for GPU 0: MIG profile `1g.5gb`: NVIDIA A100-SXM4-80GB has") == 0);
  CHECK(plan_error("4g.40gb,4g.40gb").find("8 compute slices") != std::string::npos);
  CHECK(plan_error("3g.40gb,3g.40gb,1g.10gb").find("do not fit") != std::string::npos);
  CHECK(plan_error("7g.80gb,1g.10gb").find("8 compute slices") != std::string::npos);
  CHECK(plan_error("3c.3g.40gb").find("takes 1 to 2") != std::string::npos);
  CHECK(plan_error("2c.3g.40gb+2c.3g.40gb").find("need 4 slices") != std::string::npos);
  CHECK(plan_error("1c.3g.40gb+1c.2g.20gb").find("one GPU instance profile") != std::string::npos);
  CHECK(plan_error("1c.3g.40gb+3g.40gb").find("join compute instances") != std::string::npos);
  CHECK_FALSE(plan_error("1g.10gb,,1g.10gb").empty());
  CHECK(plan_error("1g.10gb", "Tesla T4").find("Tesla T4 has no MIG") != std::string::npos);
}

TEST_CASE("mock mig: MIG requests are checked against the node's GPUs", "[mock][mig]") {
  NodeSpec spec;
  spec.root = "/tmp/x";
  spec.gpus = 2;
  spec.mig = {{1, ""}};
  auto gpus = plan_node_gpus(spec);
  REQUIRE(gpus);
  CHECK_FALSE((*gpus)[0].mig_enabled);
  CHECK((*gpus)[1].mig.size() == 5);
  CHECK(validate(spec));
  spec.mig = {{2, ""}};
  CHECK(validate(spec).error().what() == "check --mig: GPU 2 does not exist (2 GPUs)");
  spec.mig = {{1, ""}, {1, "7g.80gb"}};
  CHECK(validate(spec).error().what() == "check --mig: GPU 1 is given twice");
  spec.gpus = 33;
  spec.mig = {{32, ""}};
  CHECK(validate(spec).error().what().find("GPU minors below 32") != std::string::npos);
}

TEST_CASE("mock mig: the DGX preset turns everything on and keeps an explicit MIG choice", "[mock][mig]") {
  NodeSpec spec;
  apply_dgx_preset(spec);
  CHECK(spec.gpus == 8);
  REQUIRE(spec.mig.size() == 2);
  CHECK((spec.mig[0].gpu == 1 && spec.mig[1].gpu == 6));
  const auto& f = spec.features;
  CHECK((f.dri && f.compat32 && f.persistenced && f.fabricmanager && f.mps && f.gds && f.mofed && f.nvswitch &&
         f.gdrcopy));
  NodeSpec custom;
  custom.mig = {{3, "7g.80gb"}};
  apply_dgx_preset(custom);
  REQUIRE(custom.mig.size() == 1);
  CHECK(custom.mig[0].gpu == 3);
}
