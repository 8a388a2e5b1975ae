// The simulated driver's files as the system sees them, without root: SONAMEs through readelf and
// the loader, exported symbols, the library's behaviour when no node is present, the multi-call
// binary. The round trip through device nodes needs root and lives in node_test.cpp.
#include <catch2/catch.hpp>

#include "nvrunc/mock/assets.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::test;

namespace {

// A driver library in `dir` named `file`, with SONAME `soname` and a node whose dev dir is absent.
std::string write_driver_library(const TempDir& dir, const std::string& file, const std::string& soname) {
  std::string text = "nvrunc-mock-node 1\ndriver=550.54.15\ncuda=12040\ndevdir=" + dir.str() +
                     "/no-such-dev\ngpu minor=0 uuid=GPU-00000000-0000-0000-0000-000000000001 pci=00000000:07:00.0 "
                     "name=Test GPU\n";
  auto image = mock::patch_description(mock::asset_bytes(mock::Asset::driver_library), text);
  REQUIRE(image);
  auto patched = mock::patch_soname(*image, soname);
  REQUIRE(patched);
  auto path = dir.path() / file;
  write_file(path, *patched);
  return path.string();
}

} // namespace

TEST_CASE("mock: readelf sees the patched SONAME", "[mock]") {
  if (!have_program("readelf")) {
    WARN("readelf not installed: checked through read_soname only");
    return;
  }
  TempDir dir;
  auto path = write_driver_library(dir, "libcuda.so.550.54.15", "libcuda.so.1");
  auto out = run_command("readelf -d '" + path + "'");
  REQUIRE(out.status == 0);
  CHECK(out.out.find("Library soname: [libcuda.so.1]") != std::string::npos);
  auto stub = mock::patch_soname(mock::asset_bytes(mock::Asset::stub_library), "libnvidia-tls.so.550.54.15");
  REQUIRE(stub);
  write_file(dir.path() / "libnvidia-tls.so.550.54.15", *stub);
  out = run_command("readelf -d -n '" + (dir.path() / "libnvidia-tls.so.550.54.15").string() + "'");
  CHECK(out.out.find("Library soname: [libnvidia-tls.so.550.54.15]") != std::string::npos);
  CHECK(out.out.find("ABI: 2.3.99") != std::string::npos); // libnvidia-container checks libnvidia-tls' ABI note
}

TEST_CASE("mock: the driver library exports NVML and CUDA and nothing internal", "[mock]") {
  TempDir dir;
  Library lib(write_driver_library(dir, "libnvidia-ml.so.1", "libnvidia-ml.so.1"));
  for (const char* name :
       {"nvmlInit", "nvmlInit_v2", "nvmlInitWithFlags", "nvmlShutdown", "nvmlErrorString",
        "nvmlSystemGetDriverVersion",
        "nvmlSystemGetNVMLVersion", "nvmlSystemGetCudaDriverVersion", "nvmlSystemGetCudaDriverVersion_v2",
        "nvmlDeviceGetCount", "nvmlDeviceGetCount_v2", "nvmlDeviceGetHandleByIndex", "nvmlDeviceGetHandleByIndex_v2",
        "nvmlDeviceGetHandleByUUID", "nvmlDeviceGetHandleByPciBusId_v2", "nvmlDeviceGetIndex", "nvmlDeviceGetName",
        "nvmlDeviceGetUUID", "nvmlDeviceGetMinorNumber", "nvmlDeviceGetPciInfo_v3", "nvmlDeviceGetPciInfo",
        "nvmlDeviceGetBrand", "nvmlDeviceGetCudaComputeCapability", "nvmlDeviceGetMemoryInfo", "nvmlDeviceGetMigMode",
        "nvmlDeviceGetMaxMigDeviceCount", "nvmlDeviceGetMigDeviceHandleByIndex", "nvmlDeviceIsMigDeviceHandle",
        "nvmlDeviceGetDeviceHandleFromMigDeviceHandle", "nvmlDeviceGetGpuInstanceId", "nvmlDeviceGetComputeInstanceId",
        "nvmlDeviceGetAttributes_v2",
        "cuInit", "cuDriverGetVersion", "cuDeviceGetCount", "cuDeviceGet", "cuDeviceGetName", "cuDeviceGetUuid"}) {
    INFO(name);
    CHECK_NOTHROW(lib.fn<void()>(name));
  }
  CHECK_THROWS(lib.fn<void()>("mock_scan"));
  CHECK_THROWS(lib.fn<void()>("mock_copy"));
  CHECK_THROWS(lib.fn<void()>("nvml_resolve"));
}

TEST_CASE("mock: without a node the library reports no driver but answers versions", "[mock]") {
  if (host_has_nvidia_driver()) {
    WARN("this host has an NVIDIA driver: skipped");
    return;
  }
  TempDir dir;
  Library lib(write_driver_library(dir, "libnvidia-ml.so.1", "libnvidia-ml.so.1"));
  auto init = lib.fn<int()>("nvmlInit_v2");
  auto error_string = lib.fn<const char*(int)>("nvmlErrorString");
  auto count = lib.fn<int(unsigned*)>("nvmlDeviceGetCount_v2");
  auto nvml_cuda = lib.fn<int(int*)>("nvmlSystemGetCudaDriverVersion");
  auto shutdown = lib.fn<int()>("nvmlShutdown");
  unsigned n = 0;
  CHECK(count(&n) == NVML_ERROR_UNINITIALIZED);
  CHECK(init() == NVML_ERROR_DRIVER_NOT_LOADED);
  CHECK(std::string(error_string(NVML_ERROR_DRIVER_NOT_LOADED)) == "Driver Not Loaded");
  CHECK(shutdown() == NVML_ERROR_UNINITIALIZED);
  int version = 0;
  CHECK(nvml_cuda(&version) == NVML_SUCCESS);
  CHECK(version == 12040);
  CHECK(lib.fn<int(int*)>("cuDriverGetVersion")(&version) == CUDA_SUCCESS);
  CHECK(version == 12040);
  int devices = 0;
  CHECK(lib.fn<int(int*)>("cuDeviceGetCount")(&devices) == CUDA_ERROR_NOT_INITIALIZED);
  CHECK(lib.fn<int(unsigned)>("cuInit")(0) == CUDA_ERROR_NO_DEVICE);
}

TEST_CASE("mock: an unpatched library knows no node at all", "[mock]") {
  TempDir dir;
  auto image = mock::patch_soname(mock::asset_bytes(mock::Asset::driver_library), "libnvidia-ml.so.1");
  REQUIRE(image);
  write_file(dir.path() / "libnvidia-ml.so.1", *image);
  Library lib((dir.path() / "libnvidia-ml.so.1").string());
  CHECK(lib.fn<int()>("nvmlInit_v2")() == NVML_ERROR_DRIVER_NOT_LOADED);
  int version = -1;
  lib.fn<int(int*)>("cuDriverGetVersion")(&version);
  CHECK(version == 0);
}

TEST_CASE("mock: the multi-call binary answers under every driver binary name", "[mock]") {
  TempDir dir;
  write_file(dir.path() / "nvidia-persistenced", std::string(mock::asset_bytes(mock::Asset::smi_binary)));
  fs::permissions(dir.path() / "nvidia-persistenced", fs::perms::owner_all);
  auto out = run_command("'" + (dir.path() / "nvidia-persistenced").string() + "' --help");
  CHECK(out.status == 0);
  CHECK(out.out == "nvidia-persistenced: simulated by nvrunc mock-driver\n");
  fs::copy_file(dir.path() / "nvidia-persistenced", dir.path() / "nvidia-smi");
  out = run_command("'" + (dir.path() / "nvidia-smi").string() + "' --bogus");
  CHECK(out.status == 2);
  const bool real_nvml = run_command("ldconfig -p 2>/dev/null | grep -q 'libnvidia-ml.so.1 '").status == 0;
  if (!host_has_nvidia_driver() && !real_nvml) {
    out = run_command("'" + (dir.path() / "nvidia-smi").string() + "' -L");
    CHECK(out.status == 12); // real nvidia-smi's code for "couldn't find libnvidia-ml.so"
    CHECK(out.out.find("couldn't find libnvidia-ml.so") != std::string::npos);
  }
}
