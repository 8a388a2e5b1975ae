// NVIDIA_REQUIRE_* grammar and evaluation, table-driven.
#include <catch2/catch.hpp>

#include "nvrunc/require/requirements.hpp"

using namespace nvrunc;
using namespace nvrunc::require;

namespace {

Facts node(std::string cuda = "12.4", std::string driver = "550.54.15", std::vector<DeviceFacts> devices = {}) {
  return {cuda, driver, std::move(devices)};
}

DeviceFacts gpu(std::string arch, std::string brand) { return {"GPU 0 (test)", arch, brand}; }

bool ok(const std::string& expr, const Facts& facts) {
  auto r = check({{"NVIDIA_REQUIRE_X", expr}}, facts);
  if (!r && r.error().code() != Errc::unmet_requirement) FAIL("unexpected error: " << r.error().what());
  return static_cast<bool>(r);
}

} // namespace

TEST_CASE("require: versions compare numerically, trailing zeros ignored", "[require]") {
  CHECK(compare_versions("12.4", "12.4.0") == 0);
  CHECK(compare_versions("12.10", "12.9") == 1);
  CHECK(compare_versions("12", "12.4") == -1);
  CHECK(compare_versions("550.54.15", "550.54.14") == 1);
  CHECK_FALSE(compare_versions("12.x", "12"));
  CHECK_FALSE(compare_versions("", "1"));
  CHECK_FALSE(compare_versions("1..2", "1"));
}

TEST_CASE("require: grammar: spaces OR, commas AND, every operator", "[require]") {
  const auto facts = node("12.4", "550.54.15", {gpu("8.0", "tesla")});
  struct Row {
    const char* expr;
    bool expected;
  };
  const std::vector<Row> rows = {
      {"cuda>=12.4", true},        {"cuda>=12.4.0", true},   {"cuda>12.4", false},       {"cuda<=12.4", true},
      {"cuda<13", true},           {"cuda=12.4", true},      {"cuda==12.4", true},       {"cuda!=12.4", false},
      {"CUDA>=12.5", false},       {"driver>=550", true},    {"driver<550.54.15", false}, {"arch>=8.0", true},
      {"arch=9.0", false},         {"brand=tesla", true},    {"brand=TESLA", true},      {"brand!=tesla", false},
      {"brand=geforce", false},    {"cuda>=13.0 brand=tesla", true},                     {"cuda>=13.0 brand=geforce", false},
      {"cuda>=12.0,driver>=560", false},                     {"cuda>=12.0,driver>=540", true},
      {"cuda>=13.0 brand=tesla,driver>=470,driver<471 brand=tesla,driver>=550,driver<551", true},
      {"  cuda>=12.4  ", true},    {"", true},               {"future=1", true}, // unknown properties are skipped
  };
  for (const auto& row : rows) {
    INFO(row.expr);
    CHECK(ok(row.expr, facts) == row.expected);
  }
}

TEST_CASE("require: malformed expressions are errors naming the term", "[require]") {
  for (const char* bad : {"cuda", "cuda>=", ">=12", "cuda=>12", "cuda>=12.x", "brand>=tesla", "cuda<>12"}) {
    INFO(bad);
    auto r = check({{"NVIDIA_REQUIRE_CUDA", bad}}, node());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::invalid_argument);
    CHECK(r.error().what().find("NVIDIA_REQUIRE_CUDA") != std::string::npos);
  }
  auto long_term = check({{"NVIDIA_REQUIRE_X", "cuda>=" + std::string(200, '1')}}, node());
  REQUIRE_FALSE(long_term);
  std::vector<Requirement> many(33, {"NVIDIA_REQUIRE_X", "cuda>=1"});
  auto too_many = check(many, node());
  REQUIRE_FALSE(too_many);
  CHECK(too_many.error().what().find("too many") != std::string::npos);
}

TEST_CASE("require: evaluated per GPU; without GPU, arch and brand hold", "[require]") {
  const auto two = node("12.4", "550.54.15", {gpu("8.0", "tesla"), {"GPU 1 (test)", "9.0", "nvidia"}});
  CHECK(ok("arch>=8.0", two));
  CHECK_FALSE(ok("arch>=9.0", two)); // GPU 0 fails
  CHECK_FALSE(ok("brand=tesla", two));
  const auto none = node();
  CHECK(ok("arch>=9.0,brand=geforce", none));
  Facts unknown{std::nullopt, std::nullopt, {}};
  CHECK(ok("cuda>=99.0,driver>=999", unknown)); // no driver facts: those terms hold
}

TEST_CASE("require: variables are AND-ed; the error names variable, condition, facts and a fix", "[require]") {
  const auto facts = node("12.2", "535.104.05", {gpu("8.0", "tesla")});
  auto r = check({{"NVIDIA_REQUIRE_ARCH", "arch>=7.0"}, {"NVIDIA_REQUIRE_CUDA", "cuda>=12.4 brand=grid,driver>=470,driver<471"}}, facts);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == Errc::unmet_requirement);
  const auto msg = r.error().what();
  CHECK(msg.find("NVIDIA_REQUIRE_CUDA") != std::string::npos);
  CHECK(msg.find("`cuda>=12.4`") != std::string::npos);
  CHECK(msg.find("CUDA 12.2") != std::string::npos);
  CHECK(msg.find("driver 535.104.05") != std::string::npos);
  CHECK(msg.find("update the driver") != std::string::npos);
  CHECK(msg.find("NVIDIA_DISABLE_REQUIRE") != std::string::npos);
}

TEST_CASE("require: NVML brands as the CUDA images spell them", "[require]") {
  CHECK(brand_name(2) == "tesla");
  CHECK(brand_name(14) == "nvidia");
  CHECK(brand_name(16) == "titanrtx");
  CHECK(brand_name(99) == "unknown");
  CHECK(brand_name(-1) == "unknown");
}
