// MIG nodes on disk, as root: the capability files and nodes, and NVML, nvidia-smi and CUDA seeing
// exactly the MIG devices whose GI and CI capability nodes open (the rule real drivers follow).
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>
#include <cerrno>

#include "nvrunc/mock/mig.hpp"
#include "nvrunc/mock/mock_driver.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::test;

namespace {

// 3 GPUs: GPU 0 without MIG, GPU 1 with the default layout, GPU 2 with one 7g instance.
mock::NodeReport build_mig(const TempDir& dir, const std::string& model = "NVIDIA A100-SXM4-80GB") {
  mock::NodeSpec spec;
  spec.root = (dir.path() / "node").string();
  spec.gpus = 3;
  spec.model = model;
  spec.mig = {{1, ""}, {2, "7g.80gb"}};
  auto report = mock::build_node(spec);
  if (!report) FAIL(report.error().what());
  return *report;
}

std::string lib(const mock::NodeReport& node, const char* name) {
  return node.root + "/usr/lib/x86_64-linux-gnu/" + name;
}

fs::path cap_node(const mock::NodeReport& node, unsigned minor) {
  return fs::path(node.root) / ("dev/nvidia-caps/nvidia-cap" + std::to_string(minor));
}

// The NVML calls the tests make, bound once.
struct Nvml {
  explicit Nvml(const std::string& path) : lib(path) {}
  Library lib;
  int init() { return lib.fn<int()>("nvmlInit_v2")(); }
  int shutdown() { return lib.fn<int()>("nvmlShutdown")(); }
  nvmlDevice_t gpu(unsigned i) {
    nvmlDevice_t dev = nullptr;
    REQUIRE(lib.fn<int(unsigned, nvmlDevice_t*)>("nvmlDeviceGetHandleByIndex_v2")(i, &dev) == NVML_SUCCESS);
    return dev;
  }
  int mig(nvmlDevice_t gpu, unsigned i, nvmlDevice_t* out) {
    return lib.fn<int(nvmlDevice_t, unsigned, nvmlDevice_t*)>("nvmlDeviceGetMigDeviceHandleByIndex")(gpu, i, out);
  }
  int mode(nvmlDevice_t dev, unsigned* current, unsigned* pending) {
    return lib.fn<int(nvmlDevice_t, unsigned*, unsigned*)>("nvmlDeviceGetMigMode")(dev, current, pending);
  }
  int unsigned_query(const char* name, nvmlDevice_t dev, unsigned* out) {
    return lib.fn<int(nvmlDevice_t, unsigned*)>(name)(dev, out);
  }
  std::string text(const char* name, nvmlDevice_t dev) {
    char buf[128] = "";
    int rc = lib.fn<int(nvmlDevice_t, char*, unsigned)>(name)(dev, buf, sizeof buf);
    return rc == NVML_SUCCESS ? buf : "error " + std::to_string(rc);
  }
  // The UUIDs of the visible MIG devices of GPU `i`, in index order.
  std::vector<std::string> mig_uuids(unsigned i) {
    std::vector<std::string> out;
    nvmlDevice_t m = nullptr;
    for (unsigned j = 0; mig(gpu(i), j, &m) == NVML_SUCCESS; ++j) out.push_back(text("nvmlDeviceGetUUID", m));
    return out;
  }
};

} // namespace

TEST_CASE("mock mig node: capability files and nodes are where the driver puts them", "[mock][root]") {
  require_root();
  TempDir dir;
  auto node = build_mig(dir);
  const fs::path root = node.root;
  const auto& gpu1 = node.gpus[1];
  REQUIRE(gpu1.mig.size() == 5);
  CHECK(node.gpus[2].mig.size() == 1);
  CHECK(node.gpus[0].mig.empty());
  struct stat st;
  auto check_node = [&](unsigned minor, unsigned mode) {
    INFO(minor);
    REQUIRE(::stat(cap_node(node, minor).c_str(), &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK(major(st.st_rdev) == node.caps_major);
    CHECK(minor(st.st_rdev) == minor);
    CHECK((st.st_mode & 07777) == mode);
    int fd = ::open(cap_node(node, minor).c_str(), O_RDONLY | O_CLOEXEC);
    CHECK((fd < 0 && errno == ENXIO)); // no driver behind the simulated major
    if (fd >= 0) ::close(fd);
  };
  check_node(1, 0400);
  check_node(2, 0444);
  for (const auto& d : gpu1.mig) {
    check_node(d.gi_cap, 0444);
    check_node(d.ci_cap, 0444);
    const auto gi = root / ("proc/driver/nvidia/capabilities/gpu1/mig/gi" + std::to_string(d.gi));
    CHECK(read_file(gi / "access") == mock::mig_cap_file(d.gi_cap, 0444));
    CHECK(read_file(gi / ("ci" + std::to_string(d.ci)) / "access") == mock::mig_cap_file(d.ci_cap, 0444));
  }
  check_node(mock::mig_gi_minor(2, 0), 0444);
  CHECK(read_file(root / "proc/driver/nvidia/capabilities/mig/config") ==
        "DeviceFileMinor: 1\nDeviceFileMode: 256\nDeviceFileModify: 1\n");
  CHECK((fs::status(root / "proc/driver/nvidia/capabilities/mig/config").permissions() & fs::perms::all) ==
        fs::perms(0400));
  CHECK(read_file(root / "proc/driver/nvidia-caps/mig-minors") == mock::mig_minors_file());
  CHECK(read_file(root / "proc/devices").find(std::to_string(node.caps_major) + " nvidia-caps\n") != std::string::npos);
  CHECK(list_dir(root / "dev/nvidia-caps").size() == 2 + 9 + 2);
}

TEST_CASE("mock mig node: NVML answers the MIG API", "[mock][root]") {
  require_root();
  if (skip_on_gpu_host()) return;
  TempDir dir;
  auto node = build_mig(dir);
  Nvml nvml(lib(node, "libnvidia-ml.so.1"));
  REQUIRE(nvml.init() == NVML_SUCCESS);
  unsigned count = 9, current = 9, pending = 9, value = 9;
  nvmlDevice_t gpu0 = nvml.gpu(0), gpu1 = nvml.gpu(1), mig = nullptr, parent = nullptr;
  CHECK(nvml.mode(gpu0, &current, &pending) == NVML_SUCCESS);
  CHECK((current == 0 && pending == 0));
  CHECK(nvml.mode(gpu1, &current, &pending) == NVML_SUCCESS);
  CHECK((current == 1 && pending == 1));
  CHECK(nvml.unsigned_query("nvmlDeviceGetMaxMigDeviceCount", gpu1, &count) == NVML_SUCCESS);
  CHECK(count == 7);
  CHECK(nvml.unsigned_query("nvmlDeviceGetMaxMigDeviceCount", gpu0, &count) == NVML_SUCCESS);
  CHECK(count == 0);
  CHECK(nvml.mig(gpu0, 0, &mig) == NVML_ERROR_NOT_FOUND);
  CHECK(nvml.mig(gpu1, 5, &mig) == NVML_ERROR_NOT_FOUND);
  REQUIRE(nvml.mig(gpu1, 1, &mig) == NVML_SUCCESS);
  const auto& expect = node.gpus[1].mig[1];
  CHECK(nvml.text("nvmlDeviceGetUUID", mig) == expect.uuid);
  CHECK(nvml.text("nvmlDeviceGetName", mig) == "NVIDIA A100-SXM4-80GB MIG 2c.3g.40gb");
  CHECK(nvml.unsigned_query("nvmlDeviceIsMigDeviceHandle", mig, &value) == NVML_SUCCESS);
  CHECK(value == 1);
  CHECK(nvml.unsigned_query("nvmlDeviceIsMigDeviceHandle", gpu1, &value) == NVML_SUCCESS);
  CHECK(value == 0);
  CHECK(nvml.unsigned_query("nvmlDeviceGetGpuInstanceId", mig, &value) == NVML_SUCCESS);
  CHECK(value == expect.gi);
  CHECK(nvml.unsigned_query("nvmlDeviceGetComputeInstanceId", mig, &value) == NVML_SUCCESS);
  CHECK(value == 1);
  CHECK(nvml.unsigned_query("nvmlDeviceGetGpuInstanceId", gpu1, &value) == NVML_ERROR_NOT_SUPPORTED);
  CHECK(nvml.unsigned_query("nvmlDeviceGetMinorNumber", mig, &value) == NVML_ERROR_NOT_SUPPORTED);
  auto from_mig = nvml.lib.fn<int(nvmlDevice_t, nvmlDevice_t*)>("nvmlDeviceGetDeviceHandleFromMigDeviceHandle");
  CHECK(from_mig(mig, &parent) == NVML_SUCCESS);
  CHECK(parent == gpu1);
  CHECK(from_mig(gpu1, &parent) == NVML_ERROR_INVALID_ARGUMENT);
  nvmlMemory_t mem{};
  CHECK(nvml.lib.fn<int(nvmlDevice_t, nvmlMemory_t*)>("nvmlDeviceGetMemoryInfo")(mig, &mem) == NVML_SUCCESS);
  CHECK(mem.total == 40960ull << 20);
  nvmlPciInfo_t pci{};
  CHECK(nvml.lib.fn<int(nvmlDevice_t, nvmlPciInfo_t*)>("nvmlDeviceGetPciInfo_v3")(mig, &pci) == NVML_SUCCESS);
  CHECK(std::string(pci.busId) == node.gpus[1].bus_id());
  nvmlDeviceAttributes_t attr{};
  CHECK(nvml.lib.fn<int(nvmlDevice_t, nvmlDeviceAttributes_t*)>("nvmlDeviceGetAttributes_v2")(mig, &attr) == 0);
  CHECK((attr.gpuInstanceSliceCount == 3 && attr.computeInstanceSliceCount == 2 && attr.memorySizeMB == 40960));
  nvmlDevice_t found = nullptr;
  auto by_uuid = nvml.lib.fn<int(const char*, nvmlDevice_t*)>("nvmlDeviceGetHandleByUUID");
  CHECK(by_uuid(node.gpus[2].mig[0].uuid.c_str(), &found) == NVML_SUCCESS);
  CHECK(nvml.text("nvmlDeviceGetName", found) == "NVIDIA A100-SXM4-80GB MIG 7g.80gb");
  CHECK(nvml.mig_uuids(1).size() == 5);
  nvml.shutdown();
}

TEST_CASE("mock mig node: a MIG device is listed only when both its capability nodes open", "[mock][root]") {
  require_root();
  if (skip_on_gpu_host()) return;
  TempDir dir;
  auto node = build_mig(dir);
  const auto& migs = node.gpus[1].mig;
  fs::remove(cap_node(node, migs[1].ci_cap)); // 2c.3g.40gb: its CI capability is gone
  fs::remove(cap_node(node, migs[3].gi_cap)); // the first 1g.10gb: its GI capability is gone
  // The second 1g.10gb: a node with the wrong numbers does not count either.
  fs::remove(cap_node(node, migs[4].ci_cap));
  REQUIRE(::mknod(cap_node(node, migs[4].ci_cap).c_str(), S_IFCHR | 0444, makedev(node.caps_major, 1)) == 0);
  Nvml nvml(lib(node, "libnvidia-ml.so.1"));
  REQUIRE(nvml.init() == NVML_SUCCESS);
  CHECK(nvml.mig_uuids(1) == std::vector<std::string>{migs[0].uuid, migs[2].uuid});
  CHECK(nvml.mig_uuids(2).size() == 1);
  nvml.shutdown();
  fs::remove(fs::path(node.root) / "dev/nvidia2"); // no GPU, no MIG devices
  REQUIRE(nvml.init() == NVML_SUCCESS);
  unsigned count = 0;
  CHECK(nvml.lib.fn<int(unsigned*)>("nvmlDeviceGetCount_v2")(&count) == NVML_SUCCESS);
  CHECK(count == 2);
  auto by_uuid = nvml.lib.fn<int(const char*, nvmlDevice_t*)>("nvmlDeviceGetHandleByUUID");
  nvmlDevice_t found = nullptr;
  CHECK(by_uuid(node.gpus[2].mig[0].uuid.c_str(), &found) == NVML_ERROR_NOT_FOUND);
  CHECK(by_uuid(migs[3].uuid.c_str(), &found) == NVML_ERROR_NOT_FOUND);
  nvml.shutdown();
}

TEST_CASE("mock mig node: nvidia-smi -L lists MIG devices under their GPU like nvidia-smi 5xx", "[mock][root]") {
  require_root();
  if (skip_on_gpu_host()) return;
  TempDir dir;
  auto node = build_mig(dir);
  const auto& g = node.gpus;
  auto line = [](const mock::Gpu& gpu) { return "GPU " + std::to_string(gpu.index) + ": NVIDIA A100-SXM4-80GB (UUID: " + gpu.uuid + ")\n"; };
  std::string expected = line(g[0]) + line(g[1]);
  const char* profiles[] = {"1c.3g.40gb ", "2c.3g.40gb ", "2g.20gb    ", "1g.10gb    ", "1g.10gb    "};
  for (unsigned i = 0; i < 5; ++i)
    expected += "  MIG " + std::string(profiles[i]) + " Device  " + std::to_string(i) + ": (UUID: " + g[1].mig[i].uuid + ")\n";
  expected += line(g[2]) + "  MIG 7g.80gb     Device  0: (UUID: " + g[2].mig[0].uuid + ")\n";
  const std::string smi = "'" + node.root + "/usr/bin/nvidia-smi'";
  auto out = run_command(smi + " -L");
  REQUIRE(out.status == 0);
  CHECK(out.out == expected);

  fs::remove(cap_node(node, g[1].mig[0].ci_cap)); // Device indexes are positions among visible ones
  out = run_command(smi + " -L");
  CHECK(out.out.find("  MIG 2c.3g.40gb  Device  0: (UUID: " + g[1].mig[1].uuid + ")\n") != std::string::npos);
  CHECK(out.out.find(g[1].mig[0].uuid) == std::string::npos);
  out = run_command(smi);
  CHECK(out.out.find("| MIG devices:") != std::string::npos);
  CHECK(out.out.find("|  2    0   0   0  |") != std::string::npos); // GPU 2, GI 0, CI 0, device 0
  CHECK(out.out.find("Enabled |") != std::string::npos);
}

TEST_CASE("mock mig node: CUDA enumerates one MIG device and then no GPU without MIG", "[mock][root]") {
  require_root();
  if (skip_on_gpu_host()) return;
  TempDir dir;
  auto node = build_mig(dir);
  Library cuda(lib(node, "libcuda.so.1"));
  auto init = cuda.fn<int(unsigned)>("cuInit");
  auto count = [&] {
    int n = -1;
    CHECK(cuda.fn<int(int*)>("cuDeviceGetCount")(&n) == CUDA_SUCCESS);
    return n;
  };
  auto name = [&](int ordinal) {
    char text[128] = "";
    cuda.fn<int(char*, int, int)>("cuDeviceGetName")(text, sizeof text, ordinal);
    return std::string(text);
  };
  REQUIRE(init(0) == CUDA_SUCCESS);
  CHECK(count() == 1);
  CHECK(name(0) == "NVIDIA A100-SXM4-80GB MIG 1c.3g.40gb");
  size_t bytes = 0;
  CHECK(cuda.fn<int(size_t*, int)>("cuDeviceTotalMem_v2")(&bytes, 0) == CUDA_SUCCESS);
  CHECK(bytes == size_t(40960) << 20);

  const auto& wanted = node.gpus[1].mig[3];
  ::setenv("CUDA_VISIBLE_DEVICES", wanted.uuid.substr(0, 12).c_str(), 1);
  REQUIRE(init(0) == CUDA_SUCCESS);
  CHECK(count() == 1);
  unsigned char uuid[16] = {};
  CHECK(cuda.fn<int(void*, int)>("cuDeviceGetUuid")(uuid, 0) == CUDA_SUCCESS);
  char hex[3];
  std::snprintf(hex, sizeof hex, "%02x", uuid[0]);
  CHECK(wanted.uuid.substr(4, 2) == hex);
  ::setenv("CUDA_VISIBLE_DEVICES", (node.gpus[0].uuid + "," + wanted.uuid).c_str(), 1);
  REQUIRE(init(0) == CUDA_SUCCESS);
  CHECK(count() == 1); // a MIG device is enumerated: the GPU without MIG is not
  CHECK(name(0) == "NVIDIA A100-SXM4-80GB MIG 1g.10gb");
  ::setenv("CUDA_VISIBLE_DEVICES", node.gpus[0].uuid.c_str(), 1);
  REQUIRE(init(0) == CUDA_SUCCESS);
  CHECK(name(0) == "NVIDIA A100-SXM4-80GB");
  ::unsetenv("CUDA_VISIBLE_DEVICES");

  fs::remove_all(fs::path(node.root) / "dev/nvidia-caps"); // no MIG device left: GPU 0 alone
  REQUIRE(init(0) == CUDA_SUCCESS);
  CHECK(count() == 1);
  CHECK(name(0) == "NVIDIA A100-SXM4-80GB");
  fs::remove(fs::path(node.root) / "dev/nvidia0");
  CHECK(init(0) == CUDA_ERROR_NO_DEVICE); // MIG-enabled GPUs without MIG devices run no CUDA
}

TEST_CASE("mock mig node: MIG on a model without MIG is refused before anything is written", "[mock][root]") {
  require_root();
  TempDir dir;
  mock::NodeSpec spec;
  spec.root = (dir.path() / "t4").string();
  spec.model = "Tesla T4";
  spec.mig = {{0, ""}};
  auto r = mock::build_node(spec);
  REQUIRE_FALSE(r);
  CHECK(r.error().what() == "check --mig for GPU 0: Tesla T4 has no MIG");
  CHECK_FALSE(fs::exists(spec.root));
}
