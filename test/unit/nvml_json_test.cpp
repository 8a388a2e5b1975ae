// discover/nvml_json: NvmlFacts as `nvrunc-ctl nvml-facts` prints them and nvrunc reads them.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "nvrunc/discover/nvml_json.hpp"

using namespace nvrunc;
using discover::NvmlFacts;

namespace {

NvmlFacts full_facts() {
  NvmlFacts f;
  f.cuda_version = "12.4";
  discover::NvmlGpu a;
  a.uuid = "GPU-11111111-2222-3333-4444-555555555555";
  a.bus_id = "00000000:17:00.0";
  a.name = "NVIDIA H100 80GB HBM3";
  a.brand = 14;
  a.arch = "9.0";
  a.mig_enabled = true;
  a.mig.push_back({0, 1, 0, "MIG-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee", "NVIDIA H100 80GB HBM3 MIG 1g.10gb"});
  a.mig.push_back({3, 13, 2, "MIG-ffffffff-bbbb-cccc-dddd-eeeeeeeeeeee", "NVIDIA H100 80GB HBM3 MIG 3g.40gb"});
  discover::NvmlGpu b;
  b.uuid = "GPU-66666666-2222-3333-4444-555555555555";
  b.bus_id = "00000000:2a:00.0";
  b.name = "NVIDIA A100";
  f.gpus = {a, b}; // b: no brand, no arch, MIG off
  return f;
}

void check_same(const NvmlFacts& x, const NvmlFacts& y) {
  CHECK(x.cuda_version == y.cuda_version);
  REQUIRE(x.gpus.size() == y.gpus.size());
  for (size_t i = 0; i < x.gpus.size(); ++i) {
    const auto &a = x.gpus[i], &b = y.gpus[i];
    CHECK(a.uuid == b.uuid);
    CHECK(a.bus_id == b.bus_id);
    CHECK(a.name == b.name);
    CHECK(a.brand == b.brand);
    CHECK(a.arch == b.arch);
    CHECK(a.mig_enabled == b.mig_enabled);
    REQUIRE(a.mig.size() == b.mig.size());
    for (size_t m = 0; m < a.mig.size(); ++m) {
      CHECK(a.mig[m].index == b.mig[m].index);
      CHECK(a.mig[m].gi == b.mig[m].gi);
      CHECK(a.mig[m].ci == b.mig[m].ci);
      CHECK(a.mig[m].uuid == b.mig[m].uuid);
      CHECK(a.mig[m].name == b.mig[m].name);
    }
  }
}

} // namespace

TEST_CASE("nvml json: round trip", "[nvml_json]") {
  for (const auto& facts : {full_facts(), NvmlFacts{}}) {
    const auto text = discover::nvml_facts_to_json(facts);
    CHECK(text.find('\n') == std::string::npos);
    auto back = discover::nvml_facts_from_json(text);
    REQUIRE(back);
    check_same(*back, facts);
    CHECK(discover::nvml_facts_to_json(*back) == text);
  }
}

TEST_CASE("nvml json: optional facts stay optional", "[nvml_json]") {
  const auto text = discover::nvml_facts_to_json(full_facts());
  auto j = nlohmann::json::parse(text);
  CHECK(j["gpus"][1]["brand"].is_null()); // written as null
  CHECK(j["gpus"][1]["arch"].is_null());
  j.erase("cuda_version"); // and absent is as good as null
  j["gpus"][0].erase("brand");
  j["gpus"][0]["arch"] = nullptr;
  auto back = discover::nvml_facts_from_json(j.dump());
  REQUIRE(back);
  CHECK_FALSE(back->cuda_version);
  CHECK_FALSE(back->gpus[0].brand);
  CHECK_FALSE(back->gpus[0].arch);
  CHECK(back->gpus[0].mig.size() == 2);
}

TEST_CASE("nvml json: missing or ill-typed fields are refused by name", "[nvml_json]") {
  struct Row {
    const char* pointer; // JSON pointer of the field to change
    nlohmann::json value; // what to put there; discarded = remove the field
    const char* expect;
  };
  const auto remove = nlohmann::json(nlohmann::json::value_t::discarded);
  const std::vector<Row> rows = {
      {"/gpus", remove, "`gpus` is missing"},
      {"/gpus", "x", "`gpus` is not an array"},
      {"/cuda_version", 12.4, "`cuda_version` is not a string"},
      {"/gpus/0", 1, "`gpus[0]` is not an object"},
      {"/gpus/0/uuid", remove, "`gpus[0].uuid` is missing"},
      {"/gpus/1/bus_id", 7, "`gpus[1].bus_id` is not a string"},
      {"/gpus/0/name", remove, "`gpus[0].name` is missing"},
      {"/gpus/0/brand", "14", "`gpus[0].brand` is not an integer"},
      {"/gpus/0/brand", 1e12, "`gpus[0].brand` is not an integer"},
      {"/gpus/0/brand", 99999999999LL, "`gpus[0].brand` is out of range"},
      {"/gpus/0/arch", 9, "`gpus[0].arch` is not a string"},
      {"/gpus/0/mig_enabled", "true", "`gpus[0].mig_enabled` is not a boolean"},
      {"/gpus/1/mig_enabled", remove, "`gpus[1].mig_enabled` is missing"},
      {"/gpus/0/mig", nullptr, "`gpus[0].mig` is not an array"},
      {"/gpus/0/mig/1", "x", "`gpus[0].mig[1]` is not an object"},
      {"/gpus/0/mig/1/index", -1, "`gpus[0].mig[1].index` is not a non-negative integer"},
      {"/gpus/0/mig/1/gi", 4294967296LL, "`gpus[0].mig[1].gi` is out of range"},
      {"/gpus/0/mig/0/ci", remove, "`gpus[0].mig[0].ci` is missing"},
      {"/gpus/0/mig/0/uuid", nullptr, "`gpus[0].mig[0].uuid` is not a string"},
      {"/gpus/0/mig/0/name", remove, "`gpus[0].mig[0].name` is missing"},
  };
  for (const auto& row : rows) {
    INFO(row.pointer << " " << row.expect);
    auto j = nlohmann::json::parse(discover::nvml_facts_to_json(full_facts()));
    nlohmann::json::json_pointer p(row.pointer);
    if (row.value.is_discarded()) j[p.parent_pointer()].erase(p.back());
    else j[p] = row.value;
    auto r = discover::nvml_facts_from_json(j.dump());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::invalid_argument);
    CHECK(r.error().what() == std::string("read NVML facts: ") + row.expect);
  }
}

TEST_CASE("nvml json: not JSON, or not an object", "[nvml_json]") {
  for (const char* text : {"", "{", "nvml: error", "{\"gpus\": []} trailing"}) {
    auto r = discover::nvml_facts_from_json(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().what() == "read NVML facts: not valid JSON");
  }
  auto r = discover::nvml_facts_from_json("[]");
  REQUIRE_FALSE(r);
  CHECK(r.error().what() == "read NVML facts: `(document)` is not an object");
}
