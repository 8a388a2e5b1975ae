// A whole simulated node built on disk, as root: files, device numbers, ENXIO, the ld.so.cache made
// by the real ldconfig, config.toml, replacing a node, nvidia-smi, and NVML/CUDA answering through
// the node's device nodes. Without root every case exits 77 (skipped; see support.hpp).
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <cstring>

#include "nvrunc/discover/driver_files.hpp"
#include "nvrunc/mock/assets.hpp"
#include "nvrunc/mock/mock_driver.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::test;

namespace {

mock::NodeReport build(const TempDir& dir, int gpus = 3, const std::string& name = "node") {
  mock::NodeSpec spec;
  spec.root = (dir.path() / name).string();
  spec.gpus = gpus;
  auto report = mock::build_node(spec);
  if (!report) FAIL(report.error().what());
  return *report;
}

int open_errno(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd >= 0) ::close(fd);
  return fd >= 0 ? 0 : errno;
}

std::string lib_dir(const mock::NodeReport& node) { return node.root + "/usr/lib/x86_64-linux-gnu"; }

// The description format end to end, independent of build_node: a hand-written node whose dev dir
// holds only minors 3 and 5 (minor 4 is described but has no node). Returns the library's path.
std::string write_hand_written_node(const TempDir& dir) {
  const std::string dev = dir.str() + "/dev";
  fs::create_directories(dev);
  for (auto [name, minor] : {std::pair{"nvidiactl", 255u}, {"nvidia3", 3u}, {"nvidia5", 5u}})
    REQUIRE(::mknod((dev + "/" + name).c_str(), S_IFCHR | 0666, makedev(195, minor)) == 0);
  const std::string text = "nvrunc-mock-node 1\ndriver=580.1.2\ncuda=13000\ndevdir=" + dev +
                           "\ngpu minor=3 uuid=GPU-00000000-0000-0000-0000-000000000003 pci=00000002:87:00.0 "
                           "device=0x233010de subsystem=0x16c110de brand=14 cc=9.0 memory=81559 power=700 mig=1 "
                           "name=NVIDIA H100 80GB HBM3\n"
                           "gpu minor=4 uuid=GPU-00000000-0000-0000-0000-000000000004 pci=00000002:90:00.0 "
                           "name=Absent\n"
                           "gpu minor=5 uuid=GPU-00000000-0000-0000-0000-00000000000a pci=00000002:b7:00.0 "
                           "cc=7.5 memory=15360 mig=0 unknown=key name=Tesla T4\n";
  auto image = mock::patch_description(mock::asset_bytes(mock::Asset::driver_library), text);
  REQUIRE(image);
  write_file(dir.path() / "libnvidia-ml.so.1", mock::patch_soname(*image, "libnvidia-ml.so.1").value());
  return dir.str() + "/libnvidia-ml.so.1";
}

} // namespace

TEST_CASE("mock: a node has NVIDIA's device nodes and opening them gives ENXIO", "[mock][root]") {
  require_root();
  TempDir dir;
  auto node = build(dir);
  struct Expect {
    const char* name;
    unsigned major, minor;
  };
  const Expect nodes[] = {{"nvidiactl", 195, 255},         {"nvidia0", 195, 0},
                          {"nvidia2", 195, 2},             {"nvidia-modeset", 195, 254},
                          {"nvidia-uvm", node.uvm_major, 0}, {"nvidia-uvm-tools", node.uvm_major, 1}};
  for (const auto& e : nodes) {
    INFO(e.name);
    struct stat st;
    auto path = fs::path(node.root) / "dev" / e.name;
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
    CHECK((st.st_mode & 07777) == 0666);
    CHECK(major(st.st_rdev) == e.major);
    CHECK(minor(st.st_rdev) == e.minor);
    // On a host with a real driver, major 195 is the real one and its nodes open (or give ENODEV).
    if (e.major != 195 || !host_has_nvidia_driver()) CHECK(open_errno(path) == ENXIO);
  }
  CHECK_FALSE(fs::exists(fs::path(node.root) / "dev/nvidia3"));
  auto devices = read_file(fs::path(node.root) / "proc/devices");
  CHECK(devices.find(std::to_string(node.uvm_major) + " nvidia-uvm\n") != std::string::npos);
  CHECK(read_file("/proc/devices").find("\n" + std::to_string(node.uvm_major) + " ") == std::string::npos);
}

TEST_CASE("mock: a node has every driver library with its SONAME in the ld.so.cache", "[mock][root]") {
  require_root();
  TempDir dir;
  auto node = build(dir);
  CHECK(node.libraries.size() == discover::driver_libraries().size());
  for (const auto& lib : discover::driver_libraries()) {
    const std::string prefix(lib.prefix), file = prefix + ".550.54.15";
    const std::string soname = lib.soname_suffix.empty() ? file : prefix + "." + std::string(lib.soname_suffix);
    INFO(file);
    auto image = read_file(lib_dir(node) + "/" + file);
    CHECK(mock::read_soname(image).value() == soname);
    CHECK(fs::read_symlink(lib_dir(node) + "/" + prefix) == soname);
    if (soname != file) CHECK(fs::read_symlink(lib_dir(node) + "/" + soname) == file); // made by ldconfig
  }
  REQUIRE(fs::is_regular_file(node.root + "/etc/ld.so.cache"));
  CHECK(read_file(node.root + "/etc/ld.so.conf.d/nvidia.conf") == "/usr/lib/x86_64-linux-gnu\n");
  auto cache = run_command("ldconfig -p -C '" + node.root + "/etc/ld.so.cache'");
  REQUIRE(cache.status == 0);
  CHECK(cache.out.find("libcuda.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libcuda.so.1\n") !=
        std::string::npos);
  CHECK(cache.out.find("libnvidia-ml.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvidia-ml.so.1\n") !=
        std::string::npos);
  CHECK(cache.out.find("libnvidia-glcore.so.550.54.15 (libc6,x86-64) =>") != std::string::npos);
  if (have_program("readelf")) {
    auto out = run_command("readelf -d '" + lib_dir(node) + "/libnvidia-ml.so.550.54.15'");
    CHECK(out.out.find("Library soname: [libnvidia-ml.so.1]") != std::string::npos);
  }
}

TEST_CASE("mock: a node has its proc files and binaries and config.toml and description", "[mock][root]") {
  require_root();
  TempDir dir;
  auto node = build(dir, 2);
  const fs::path root = node.root;
  CHECK(read_file(root / "proc/driver/nvidia/version").find("Kernel Module  550.54.15  ") != std::string::npos);
  CHECK(read_file(root / "proc/driver/nvidia/params").find("ModifyDeviceFiles: 1\n") != std::string::npos);
  CHECK(fs::exists(root / "proc/driver/nvidia/registry"));
  auto info = read_file(root / "proc/driver/nvidia/gpus/0000:0f:00.0/information");
  CHECK(info.find("GPU UUID: \t " + node.gpus[1].uuid + "\n") != std::string::npos);
  CHECK(info.find("Device Minor: \t 1\n") != std::string::npos);
  for (const char* bin : {"nvidia-smi", "nvidia-debugdump", "nvidia-persistenced", "nvidia-cuda-mps-control",
                          "nvidia-cuda-mps-server"}) {
    INFO(bin);
    CHECK((fs::status(root / "usr/bin" / bin).permissions() & fs::perms::all) == fs::perms(0755));
  }
  CHECK(node.config_path == node.root + "/config.toml");
  auto config = read_file(node.config_path);
  CHECK(config.find("\n[nvrunc]\ndriver-root = \"" + node.root + "\"\ndev-root = \"" + node.root +
                    "\"\nproc-root = \"" + node.root + "/proc\"\n") != std::string::npos);
  CHECK(config.find("export NVRUNC_CONFIG=" + node.root + "/config.toml") != std::string::npos);
  CHECK(read_file(root / "mock-driver.json").find(node.gpus[1].uuid) != std::string::npos);
}

TEST_CASE("mock: nvidia-smi on the host node lists the gpus through the node's NVML", "[mock][root]") {
  require_root();
  if (skip_on_gpu_host()) return;
  TempDir dir;
  auto node = build(dir, 3);
  auto out = run_command("'" + node.root + "/usr/bin/nvidia-smi' -L");
  REQUIRE(out.status == 0);
  std::string expected;
  for (const auto& gpu : node.gpus)
    expected += "GPU " + std::to_string(gpu.index) + ": NVIDIA A100-SXM4-80GB (UUID: " + gpu.uuid + ")\n";
  CHECK(out.out == expected);
  out = run_command("'" + node.root + "/usr/bin/nvidia-smi'");
  REQUIRE(out.status == 0);
  CHECK(out.out.find("Driver Version: 550.54.15      CUDA Version: 12.4 ") != std::string::npos);
  CHECK(out.out.find("|   2  NVIDIA A100-SXM4-80GB          On  |   00000000:47:00.0 Off |") != std::string::npos);
  std::istringstream lines(out.out);
  std::string line;
  std::getline(lines, line); // the date
  while (std::getline(lines, line))
    if (!line.empty()) CHECK(line.size() == 91); // the real table's width
  out = run_command("'" + node.root + "/usr/bin/nvidia-smi' --query-gpu=index,uuid,pci.bus_id --format=csv,noheader");
  CHECK(out.out.find("1, " + node.gpus[1].uuid + ", 00000000:0f:00.0\n") != std::string::npos);
}

TEST_CASE("mock: NVML and CUDA see exactly the gpus whose nodes open", "[mock][root]") {
  require_root();
  if (skip_on_gpu_host()) return;
  TempDir dir;
  auto node = build(dir, 3);
  Library nvml(lib_dir(node) + "/libnvidia-ml.so.1");
  auto init = nvml.fn<int()>("nvmlInit_v2");
  auto shutdown = nvml.fn<int()>("nvmlShutdown");
  auto count = nvml.fn<int(unsigned*)>("nvmlDeviceGetCount_v2");
  auto handle = nvml.fn<int(unsigned, nvmlDevice_t*)>("nvmlDeviceGetHandleByIndex_v2");
  auto uuid = nvml.fn<int(nvmlDevice_t, char*, unsigned)>("nvmlDeviceGetUUID");
  auto minor_number = nvml.fn<int(nvmlDevice_t, unsigned*)>("nvmlDeviceGetMinorNumber");
  REQUIRE(init() == NVML_SUCCESS);
  unsigned n = 0;
  CHECK(count(&n) == NVML_SUCCESS);
  CHECK(n == 3);
  REQUIRE(shutdown() == NVML_SUCCESS);

  fs::remove(fs::path(node.root) / "dev/nvidia1"); // the node a container was not given
  REQUIRE(init() == NVML_SUCCESS);
  CHECK(count(&n) == NVML_SUCCESS);
  CHECK(n == 2);
  nvmlDevice_t dev = nullptr;
  REQUIRE(handle(1, &dev) == NVML_SUCCESS); // indexes are positions among visible gpus
  char text[96];
  CHECK(uuid(dev, text, sizeof text) == NVML_SUCCESS);
  CHECK(std::string(text) == node.gpus[2].uuid);
  unsigned m = 0;
  CHECK(minor_number(dev, &m) == NVML_SUCCESS);
  CHECK(m == 2);
  CHECK(handle(2, &dev) == NVML_ERROR_INVALID_ARGUMENT);
  shutdown();

  Library cuda(lib_dir(node) + "/libcuda.so.1");
  CHECK(cuda.fn<int(unsigned)>("cuInit")(0) == CUDA_SUCCESS);
  int devices = 0;
  CHECK(cuda.fn<int(int*)>("cuDeviceGetCount")(&devices) == CUDA_SUCCESS);
  CHECK(devices == 2);
  ::setenv("CUDA_VISIBLE_DEVICES", node.gpus[2].uuid.substr(0, 12).c_str(), 1);
  CHECK(cuda.fn<int(unsigned)>("cuInit")(0) == CUDA_SUCCESS);
  ::unsetenv("CUDA_VISIBLE_DEVICES");
  CHECK(cuda.fn<int(int*)>("cuDeviceGetCount")(&devices) == CUDA_SUCCESS);
  CHECK(devices == 1);
  char name[8];
  CHECK(cuda.fn<int(char*, int, int)>("cuDeviceGetName")(name, sizeof name, 0) == CUDA_SUCCESS);
  CHECK(std::string(name) == "NVIDIA "); // truncated like the real call
}

TEST_CASE("mock: a patched description round-trips through NVML", "[mock][root]") {
  require_root();
  if (skip_on_gpu_host()) return;
  TempDir dir;
  Library lib(write_hand_written_node(dir));
  REQUIRE(lib.fn<int()>("nvmlInit_v2")() == NVML_SUCCESS);
  char buf[96];
  CHECK(lib.fn<int(char*, unsigned)>("nvmlSystemGetDriverVersion")(buf, sizeof buf) == NVML_SUCCESS);
  CHECK(std::string(buf) == "580.1.2");
  CHECK(lib.fn<int(char*, unsigned)>("nvmlSystemGetDriverVersion")(buf, 5) == NVML_ERROR_INSUFFICIENT_SIZE);
  unsigned n = 0;
  CHECK(lib.fn<int(unsigned*)>("nvmlDeviceGetCount_v2")(&n) == NVML_SUCCESS);
  CHECK(n == 2);
  nvmlDevice_t dev0 = nullptr, dev1 = nullptr, found = nullptr;
  lib.fn<int(unsigned, nvmlDevice_t*)>("nvmlDeviceGetHandleByIndex_v2")(0, &dev0);
  lib.fn<int(unsigned, nvmlDevice_t*)>("nvmlDeviceGetHandleByIndex_v2")(1, &dev1);
  CHECK(lib.fn<int(nvmlDevice_t, char*, unsigned)>("nvmlDeviceGetName")(dev0, buf, sizeof buf) == NVML_SUCCESS);
  CHECK(std::string(buf) == "NVIDIA H100 80GB HBM3");
  CHECK(lib.fn<int(nvmlDevice_t, char*, unsigned)>("nvmlDeviceGetName")(dev1, buf, sizeof buf) == NVML_SUCCESS);
  CHECK(std::string(buf) == "Tesla T4");
  nvmlPciInfo_t pci{};
  CHECK(lib.fn<int(nvmlDevice_t, nvmlPciInfo_t*)>("nvmlDeviceGetPciInfo_v3")(dev0, &pci) == NVML_SUCCESS);
  CHECK(std::string(pci.busId) == "00000002:87:00.0");
  CHECK(std::string(pci.busIdLegacy) == "0002:87:00.0");
  CHECK(pci.domain == 2);
  CHECK(pci.bus == 0x87);
  CHECK(pci.pciDeviceId == 0x233010de);
  CHECK(pci.pciSubSystemId == 0x16c110de);
  auto by_uuid = lib.fn<int(const char*, nvmlDevice_t*)>("nvmlDeviceGetHandleByUUID");
  CHECK(by_uuid("GPU-00000000-0000-0000-0000-00000000000a", &found) == NVML_SUCCESS);
  CHECK(found == dev1);
  CHECK(by_uuid("GPU-00000000-0000-0000-0000-000000000004", &found) == NVML_ERROR_NOT_FOUND); // node absent
  auto by_bus = lib.fn<int(const char*, nvmlDevice_t*)>("nvmlDeviceGetHandleByPciBusId_v2");
  CHECK(by_bus("0002:B7:00.0", &found) == NVML_SUCCESS);
  CHECK(found == dev1);
  unsigned index = 9;
  CHECK(lib.fn<int(nvmlDevice_t, unsigned*)>("nvmlDeviceGetIndex")(dev1, &index) == NVML_SUCCESS);
  CHECK(index == 1);
  int major_cc = 0, minor_cc = 0;
  CHECK(lib.fn<int(nvmlDevice_t, int*, int*)>("nvmlDeviceGetCudaComputeCapability")(dev0, &major_cc, &minor_cc) == 0);
  CHECK((major_cc == 9 && minor_cc == 0));
  nvmlMemory_t mem{};
  CHECK(lib.fn<int(nvmlDevice_t, nvmlMemory_t*)>("nvmlDeviceGetMemoryInfo")(dev1, &mem) == NVML_SUCCESS);
  CHECK(mem.total == 15360ull << 20);
  unsigned current = 7, pending = 7;
  CHECK(lib.fn<int(nvmlDevice_t, unsigned*, unsigned*)>("nvmlDeviceGetMigMode")(dev0, &current, &pending) == 0);
  CHECK((current == 0 && pending == 0));
  CHECK(lib.fn<int(nvmlDevice_t, unsigned*, unsigned*)>("nvmlDeviceGetMigMode")(dev1, &current, &pending) == 3);
  int brand = 0;
  CHECK(lib.fn<int(nvmlDevice_t, int*)>("nvmlDeviceGetBrand")(dev0, &brand) == NVML_SUCCESS);
  CHECK(brand == 14);
  CHECK(lib.fn<int(nvmlDevice_t, char*, unsigned)>("nvmlDeviceGetUUID")(nullptr, buf, sizeof buf) ==
        NVML_ERROR_INVALID_ARGUMENT);
  lib.fn<int()>("nvmlShutdown")();
}

TEST_CASE("mock: a patched description round-trips through CUDA", "[mock][root]") {
  require_root();
  if (skip_on_gpu_host()) return;
  TempDir dir;
  Library lib(write_hand_written_node(dir));
  REQUIRE(lib.fn<int(unsigned)>("cuInit")(0) == CUDA_SUCCESS);
  int devices = 0;
  CHECK(lib.fn<int(int*)>("cuDeviceGetCount")(&devices) == CUDA_SUCCESS);
  CHECK(devices == 2);
  unsigned char uuid[16] = {};
  CHECK(lib.fn<int(void*, int)>("cuDeviceGetUuid")(uuid, 1) == CUDA_SUCCESS);
  CHECK(uuid[15] == 0x0a);
  CHECK(uuid[0] == 0x00);
  char text[64];
  CHECK(lib.fn<int(char*, int, int)>("cuDeviceGetName")(text, sizeof text, 1) == CUDA_SUCCESS);
  CHECK(std::string(text) == "Tesla T4");
  CHECK(lib.fn<int(char*, int, int)>("cuDeviceGetPCIBusId")(text, sizeof text, 1) == CUDA_SUCCESS);
  CHECK(std::string(text) == "00000002:B7:00.0");
  int major_cc = 0, minor_cc = 0;
  CHECK(lib.fn<int(int*, int*, int)>("cuDeviceComputeCapability")(&major_cc, &minor_cc, 1) == CUDA_SUCCESS);
  CHECK((major_cc == 7 && minor_cc == 5));
  size_t bytes = 0;
  CHECK(lib.fn<int(size_t*, int)>("cuDeviceTotalMem_v2")(&bytes, 0) == CUDA_SUCCESS);
  CHECK(bytes == size_t(81559) << 20);
  CHECK(lib.fn<int(char*, int, int)>("cuDeviceGetName")(text, sizeof text, 2) == 101); // CUDA_ERROR_INVALID_DEVICE
}

TEST_CASE("mock: an existing node is replaced only with force and other directories never", "[mock][root]") {
  require_root();
  TempDir dir;
  auto node = build(dir, 1);
  write_file(fs::path(node.root) / "leftover", "x");
  mock::NodeSpec spec;
  spec.root = node.root;
  auto again = mock::build_node(spec);
  REQUIRE_FALSE(again);
  CHECK(again.error().what().find("pass --force to replace it") != std::string::npos);
  CHECK(fs::exists(fs::path(node.root) / "leftover"));
  spec.force = true;
  spec.gpus = 2;
  REQUIRE(mock::build_node(spec));
  CHECK_FALSE(fs::exists(fs::path(node.root) / "leftover"));
  CHECK(fs::exists(fs::path(node.root) / "dev/nvidia1"));

  const auto other = dir.path() / "precious";
  write_file(other / "data.txt", "keep me");
  spec.root = other.string();
  auto refused = mock::build_node(spec);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().what().find("holds no simulated node") != std::string::npos);
  CHECK(read_file(other / "data.txt") == "keep me");
  spec.root = (other / "data.txt").string();
  CHECK_FALSE(mock::build_node(spec));
}

TEST_CASE("mock: driver version and model shape the node", "[mock][root]") {
  require_root();
  if (skip_on_gpu_host()) return;
  TempDir dir;
  mock::NodeSpec spec;
  spec.root = dir.str() + "/./h100/";
  spec.gpus = 1;
  spec.driver_version = "580.159.04";
  spec.cuda_version = 13000;
  spec.model = "NVIDIA H100 80GB HBM3";
  auto node = mock::build_node(spec);
  REQUIRE(node);
  CHECK(node->root == dir.str() + "/h100");
  CHECK(fs::is_regular_file(node->root + "/usr/lib/x86_64-linux-gnu/libcuda.so.580.159.04"));
  auto out = run_command("'" + node->root + "/usr/bin/nvidia-smi' --version");
  CHECK(out.out.find("NVML version        : 580.159\n") != std::string::npos);
  CHECK(out.out.find("CUDA Version        : 13.0\n") != std::string::npos);
  out = run_command("'" + node->root + "/usr/bin/nvidia-smi' -L");
  CHECK(out.out.rfind("GPU 0: NVIDIA H100 80GB HBM3 (UUID: GPU-", 0) == 0);
}
