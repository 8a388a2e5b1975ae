// CDI names (research notes C.4), table-driven: kinds, qualified device names, annotation keys.
#include <catch2/catch.hpp>

#include "nvrunc/cdi/names.hpp"

using namespace nvrunc;

TEST_CASE("cdi names: qualified device names", "[cdi][names]") {
  struct Row {
    const char* name;
    bool valid;
  };
  const Row rows[] = {
      {"nvidia.com/gpu=0", true},
      {"nvidia.com/gpu=all", true},
      {"nvidia.com/gpu=GPU-4cf8db2d-06c0-7d70-1a51-e59b25b2c16c", true},
      {"nvidia.com/gpu=MIG-1:0", true},
      {"nvidia.com/mig=0:1", true},
      {"amd.com/gpu=0", true},
      {"foo.bar.baz/foo-bar123.B_az=dev_1.x", true},
      {"vendor/class=a", true},
      {"/dev/nvidia0", false},            // a path is never a CDI name
      {"/vendor.com/gpu=0", false},
      {"nvidia.com/gpu", false},           // no name
      {"nvidia.com/gpu=", false},          // empty name
      {"=0", false},                       // no kind
      {"nvidia.com=0", false},             // no class
      {"nvidia.com/=0", false},
      {"/gpu=0", false},
      {"nvidia.com/gpu/x=0", false},       // '/' in class
      {"1vendor.com/gpu=0", false},        // vendor must start with a letter
      {"vendor.com-/gpu=0", false},        // and end alphanumeric
      {"vendor.com/gpu-=0", false},
      {"vendor.com/9gpu=0", false},        // class starts with a letter (reference parser)
      {"vendor.com/gpu=-0", false},        // name starts alphanumeric
      {"vendor.com/gpu=0-", false},        // and ends alphanumeric
      {"vendor.com/gpu=a b", false},
      {"vendor.com/gpu=a=b", false},
      {"vendor.com/gpu=a/b", false},
      {"ven dor.com/gpu=0", false},
      {"", false},
      {"0", false},
  };
  for (const Row& row : rows) {
    INFO(row.name);
    CHECK(cdi::is_qualified_name(row.name) == row.valid);
  }
}

TEST_CASE("cdi names: parse splits kind and name", "[cdi][names]") {
  auto q = cdi::parse_qualified_name("nvidia.com/gpu=GPU-1:2");
  REQUIRE(q);
  CHECK(q->vendor == "nvidia.com");
  CHECK(q->cls == "gpu");
  CHECK(q->name == "GPU-1:2");
  CHECK(q->kind() == "nvidia.com/gpu");
  CHECK(q->str() == "nvidia.com/gpu=GPU-1:2");
  CHECK(cdi::qualified_name("amd.com/gpu", "0") == "amd.com/gpu=0");

  auto bad = cdi::parse_qualified_name("nvidia.com/gpu=-x");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == Errc::invalid_argument);
  CHECK(bad.error().message() == "parse CDI device name `nvidia.com/gpu=-x`: device name `-x` must start with a letter or digit");
  CHECK(cdi::parse_qualified_name("/dev/nvidia0").error().message() ==
        "parse CDI device name `/dev/nvidia0`: expected vendor/class=name");
}

TEST_CASE("cdi names: kinds", "[cdi][names]") {
  CHECK(cdi::parse_kind("vendor.com/foo"));
  CHECK(cdi::parse_kind("foo.bar.baz/foo-bar123.B_az"));
  for (const char* bad : {"foo", "vendor.com/foo/", "vendor.com/foo/bar", "/foo", "vendor.com/", "v_/x"}) {
    INFO(bad);
    CHECK_FALSE(cdi::parse_kind(bad));
  }
  auto k = cdi::parse_kind("nvidia.com/gpu");
  REQUIRE(k);
  CHECK(k->str() == "nvidia.com/gpu");
  // SPEC length limits: vendor <= 253, class <= 63.
  CHECK_FALSE(cdi::vendor_error(std::string(253, 'a')));
  CHECK(cdi::vendor_error(std::string(254, 'a')));
  CHECK_FALSE(cdi::class_error(std::string(63, 'a')));
  CHECK(*cdi::class_error(std::string(64, 'a')) == "class `" + std::string(64, 'a') + "` is longer than 63 characters");
}

TEST_CASE("cdi names: device names", "[cdi][names]") {
  for (const char* good : {"0", "all", "a", "GPU-1", "mig1:0", "a_b.c-d:e", "Z9"}) {
    INFO(good);
    CHECK_FALSE(cdi::device_name_error(good));
  }
  for (const char* bad : {"", "-a", "a-", ":a", "a:", "a b", "a/b", "a=b", "é", "a\nb", "_a"}) {
    INFO(bad);
    CHECK(cdi::device_name_error(bad));
  }
}

TEST_CASE("cdi names: annotation keys follow the Kubernetes rules", "[cdi][names]") {
  struct Row {
    std::string key;
    bool valid;
  };
  const Row rows[] = {
      {"foo", true},
      {"cdi.k8s.io/nvidia.com_gpu0", true},
      {"gpu.intel.com/pci-id", true},
      {"Example.COM/Key", true}, // compared in lower case, as CDI does
      {"a/b", true},
      {"x_y.z-1", true},
      {std::string(63, 'k'), true},
      {std::string(64, 'k'), false},
      {std::string(253, 'p') + "/k", true},
      {std::string(254, 'p') + "/k", false},
      {"", false},
      {"/k", false},   // empty prefix
      {"p/", false},   // empty name
      {"-k", false},
      {"k-", false},
      {"a b", false},
      {"a/b/c", false},
      {"p_x.com/k", false}, // '_' is not DNS
      {"-p.com/k", false},
      {"p..com/k", false},  // empty label
      {"p.-x.com/k", false}, // label starts with '-'
      {"p-1.x-2.com/k", true},
      {"p.com/k:v", false},
  };
  for (const Row& row : rows) {
    INFO(row.key);
    CHECK(!cdi::annotation_key_error(row.key) == row.valid);
  }
}
