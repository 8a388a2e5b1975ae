// The optional and always-present parts of a node on disk, as root: DRM nodes and sysfs, graphics
// files and libraries, 32-bit libraries in the ld.so.cache, IPC sockets, feature nodes, and the
// determinism of the --dgx preset.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <map>
#include <nlohmann/json.hpp>

#include "nvrunc/mock/assets.hpp"
#include "nvrunc/mock/mock_driver.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::test;

namespace {

mock::NodeReport build_node(const fs::path& root, mock::NodeSpec spec, bool force = false) {
  spec.root = root.string();
  spec.force = force;
  auto report = mock::build_node(spec);
  if (!report) FAIL(report.error().what());
  return *report;
}

mock::NodeSpec dgx() {
  mock::NodeSpec spec;
  mock::apply_dgx_preset(spec);
  return spec;
}

struct stat stat_of(const fs::path& path) {
  struct stat st {};
  REQUIRE(::lstat(path.c_str(), &st) == 0);
  return st;
}

int open_errno(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) ::close(fd);
  return fd >= 0 ? 0 : errno;
}

// Everything about a tree but timestamps: type, mode, owner, device numbers, link targets, contents.
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const auto st = stat_of(entry.path());
    std::string facts = std::to_string(st.st_mode) + " " + std::to_string(st.st_uid) + ":" + std::to_string(st.st_gid);
    if (S_ISCHR(st.st_mode)) facts += " " + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
    if (S_ISLNK(st.st_mode)) facts += " -> " + fs::read_symlink(entry.path()).string();
    if (S_ISREG(st.st_mode)) facts += " " + read_file(entry.path());
    out[fs::relative(entry.path(), root).string()] = facts;
  }
  return out;
}

} // namespace

TEST_CASE("mock extras node: DRM nodes, by-path links and sysfs of each GPU", "[mock][root]") {
  require_root();
  TempDir dir;
  mock::NodeSpec spec;
  spec.gpus = 2;
  spec.features.dri = true;
  auto node = build_node(dir.path() / "node", spec);
  const fs::path root = node.root;
  for (const auto& gpu : node.gpus) {
    const unsigned card = gpu.index + 1, render = 128 + gpu.index;
    INFO(gpu.index);
    auto st = stat_of(root / ("dev/dri/card" + std::to_string(card)));
    CHECK(S_ISCHR(st.st_mode));
    CHECK((major(st.st_rdev) == 226 && minor(st.st_rdev) == card));
    CHECK((st.st_mode & 07777) == 0660);
    st = stat_of(root / ("dev/dri/renderD" + std::to_string(render)));
    CHECK((major(st.st_rdev) == 226 && minor(st.st_rdev) == render));
    CHECK((st.st_mode & 07777) == 0666);
    const std::string bus = gpu.proc_bus_id();
    CHECK(fs::canonical(root / ("dev/dri/by-path/pci-" + bus + "-card")) ==
          fs::canonical(root / ("dev/dri/card" + std::to_string(card))));
    CHECK(fs::canonical(root / ("dev/dri/by-path/pci-" + bus + "-render")) ==
          fs::canonical(root / ("dev/dri/renderD" + std::to_string(render))));
    const auto sys = root / "sys/bus/pci/devices" / bus;
    CHECK(list_dir(sys / "drm") == std::vector<std::string>{"card" + std::to_string(card), "renderD" + std::to_string(render)});
    CHECK(read_file(sys / "vendor") == "0x10de\n");
    CHECK(read_file(sys / "drm" / ("card" + std::to_string(card)) / "dev") == "226:" + std::to_string(card) + "\n");
  }
  CHECK(fs::exists(root / "dev/dri/card0")); // the BMC's, whose sysfs device is not a GPU
  CHECK(read_file(root / "sys/bus/pci/devices/0000:03:00.0/vendor") == "0x1a03\n");
  CHECK(read_file(root / "config.toml").find("\nsys-root = \"" + node.root + "/sys\"\n") != std::string::npos);
  CHECK(read_file(root / "proc/devices").find("\n226 drm\n") != std::string::npos);
}

TEST_CASE("mock extras node: every node has the graphics files, platform libraries and firmware", "[mock][root]") {
  require_root();
  TempDir dir;
  auto node = build_node(dir.path() / "node", mock::NodeSpec{});
  const fs::path root = node.root;
  for (const char* path : {"usr/share/glvnd/egl_vendor.d/10_nvidia.json", "usr/share/egl/egl_external_platform.d/15_nvidia_gbm.json",
                           "usr/share/egl/egl_external_platform.d/10_nvidia_wayland.json",
                           "usr/share/egl/egl_external_platform.d/20_nvidia_xcb.json",
                           "usr/share/egl/egl_external_platform.d/20_nvidia_xlib.json", "etc/vulkan/icd.d/nvidia_icd.json",
                           "etc/vulkan/implicit_layer.d/nvidia_layers.json", "etc/OpenCL/vendors/nvidia.icd",
                           "usr/share/nvidia/nvoptix.bin", "usr/share/X11/xorg.conf.d/10-nvidia.conf",
                           "lib/firmware/nvidia/550.54.15/gsp_ga10x.bin", "lib/firmware/nvidia/550.54.15/gsp_tu10x.bin",
                           "usr/lib/x86_64-linux-gnu/nvidia/xorg/nvidia_drv.so",
                           "usr/lib/x86_64-linux-gnu/nvidia/xorg/libglxserver_nvidia.so.550.54.15",
                           "usr/lib/x86_64-linux-gnu/libnvidia-vulkan-producer.so.550.54.15"}) {
    INFO(path);
    CHECK(fs::is_regular_file(root / path));
  }
  const auto lib = root / "usr/lib/x86_64-linux-gnu";
  CHECK(fs::read_symlink(lib / "gbm/nvidia-drm_gbm.so") == "../libnvidia-allocator.so.1");
  CHECK(fs::exists(lib / "gbm/nvidia-drm_gbm.so")); // resolves once ldconfig made the SONAME link
  CHECK(fs::equivalent(lib / "nvidia/xorg/libglxserver_nvidia.so", lib / "nvidia/xorg/libglxserver_nvidia.so.550.54.15"));
  CHECK(mock::read_soname(read_file(lib / "libnvidia-egl-gbm.so.1.1.2")).value() == "libnvidia-egl-gbm.so.1");
  auto cache = run_command("ldconfig -p -C '" + node.root + "/etc/ld.so.cache'");
  REQUIRE(cache.status == 0);
  CHECK(cache.out.find("libnvidia-egl-wayland.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvidia-egl-wayland.so.1\n") !=
        std::string::npos);
  CHECK(cache.out.find("libnvidia-vulkan-producer.so.550.54.15 (libc6,x86-64)") != std::string::npos);
  CHECK(cache.out.find("nvidia_drv") == std::string::npos); // X.Org modules are loaded by path
  CHECK(cache.out.find("libglxserver") == std::string::npos);
  CHECK(cache.out.find("i386") == std::string::npos);
  // Nothing optional by default.
  for (const char* absent : {"dev/nvidia-caps", "dev/dri", "run", "var", "tmp", "usr/lib/i386-linux-gnu", "dev/gdrdrv",
                             "proc/driver/nvidia/capabilities", "etc/ld.so.conf.d/i386-linux-gnu.conf"}) {
    INFO(absent);
    CHECK_FALSE(fs::exists(fs::symlink_status(root / absent)));
  }
}

TEST_CASE("mock extras node: 32-bit libraries are ELF32 i386 and indexed by ldconfig as libc6", "[mock][root]") {
  require_root();
  TempDir dir;
  mock::NodeSpec spec;
  spec.features.compat32 = true;
  auto node = build_node(dir.path() / "node", spec);
  REQUIRE(node.libraries32.size() == 19);
  const fs::path lib32 = fs::path(node.root) / "usr/lib/i386-linux-gnu";
  CHECK(read_file(fs::path(node.root) / "etc/ld.so.conf.d/i386-linux-gnu.conf").find("/usr/lib/i386-linux-gnu\n") !=
        std::string::npos);
  auto cache = run_command("ldconfig -p -C '" + node.root + "/etc/ld.so.cache'");
  REQUIRE(cache.status == 0);
  for (const char* soname : {"libcuda.so.1", "libnvidia-ml.so.1", "libGLX_nvidia.so.0", "libnvidia-tls.so.550.54.15"}) {
    INFO(soname);
    CHECK(cache.out.find(std::string("\t") + soname + " (libc6) => /usr/lib/i386-linux-gnu/" + soname + "\n") !=
          std::string::npos);
    CHECK(cache.out.find(std::string("\t") + soname + " (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/") != std::string::npos);
  }
  CHECK(cache.out.find("libnvidia-ngx.so.1 (libc6)") == std::string::npos); // no 32-bit NGX
  CHECK(fs::read_symlink(lib32 / "libcuda.so.1") == "libcuda.so.550.54.15");
  CHECK(mock::read_soname(read_file(lib32 / "libcuda.so.550.54.15")).value() == "libcuda.so.1");
  if (have_program("readelf")) {
    auto out = run_command("readelf -h -d -n '" + (lib32 / "libnvidia-tls.so.550.54.15").string() + "'");
    CHECK(out.out.find("ELF32") != std::string::npos);
    CHECK(out.out.find("Intel 80386") != std::string::npos);
    CHECK(out.out.find("Library soname: [libnvidia-tls.so.550.54.15]") != std::string::npos);
    CHECK(out.out.find("Shared library: [libc.so.6]") != std::string::npos);
    CHECK(out.out.find("ABI: 2.3.99") != std::string::npos);
  }
}

TEST_CASE("mock extras node: IPC sockets are sockets, even under a long root", "[mock][root]") {
  require_root();
  TempDir dir;
  mock::NodeSpec spec;
  spec.features.persistenced = spec.features.fabricmanager = spec.features.mps = true;
  const fs::path root = dir.path() / std::string(90, 'n'); // longer than sun_path with the socket's path
  auto node = build_node(root, spec);
  for (const char* socket : {"run/nvidia-persistenced/socket", "run/nvidia-fabricmanager/socket"}) {
    INFO(socket);
    auto st = stat_of(root / socket);
    CHECK(S_ISSOCK(st.st_mode));
    CHECK((st.st_mode & 0777) == 0777);
  }
  CHECK(fs::is_directory(root / "tmp/nvidia-mps"));
  CHECK(fs::read_symlink(root / "var/run") == "../run");
  CHECK(S_ISSOCK(stat_of(root / "var/run/nvidia-persistenced/socket").st_mode)); // through the link
}

TEST_CASE("mock extras node: feature nodes have the numbers mock-driver.json gives", "[mock][root]") {
  require_root();
  TempDir dir;
  auto node = build_node(dir.path() / "node", dgx());
  const fs::path root = node.root;
  auto doc = nlohmann::json::parse(read_file(root / "mock-driver.json"));
  size_t checked = 0;
  for (const auto& d : doc["devices"]) {
    const fs::path path = root / d["path"].get<std::string>().substr(1);
    INFO(path);
    auto st = stat_of(path);
    CHECK(S_ISCHR(st.st_mode));
    CHECK(major(st.st_rdev) == d["major"].get<unsigned>());
    CHECK(minor(st.st_rdev) == d["minor"].get<unsigned>());
    CHECK((st.st_mode & 07777) == std::stoul(d["mode"].get<std::string>(), nullptr, 8));
    CHECK(st.st_gid == d["gid"].get<unsigned>());
    const unsigned m = d["major"];
    if (m != 195 && m != 226 && m != 10 && !host_has_nvidia_driver()) CHECK(open_errno(path) == ENXIO);
    ++checked;
  }
  CHECK(checked == 8 + 4 + 2 + 2 * 9 + 17 + 16 + 3 + 7 + 1); // GPUs, classic, MIG, DRM, GDS, MOFED, NVSwitch, GDRCopy
  const auto majors = doc["majors"];
  CHECK(read_file(root / "proc/devices").find(std::to_string(majors["gdrdrv"].get<unsigned>()) + " gdrdrv\n") !=
        std::string::npos);
  CHECK(read_file("/proc/devices").find("\n" + std::to_string(majors["nvidia-fs"].get<unsigned>()) + " ") ==
        std::string::npos);
  CHECK(fs::is_regular_file(root / "etc/cufile.json"));
  CHECK(fs::is_directory(root / "run/udev"));
  CHECK(fs::is_regular_file(root / "usr/bin/nv-fabricmanager"));
}

TEST_CASE("mock extras node: --dgx builds the same node every time", "[mock][root]") {
  require_root();
  TempDir dir;
  const fs::path root = dir.path() / "dgx";
  build_node(root, dgx());
  auto first = snapshot(root);
  build_node(root, dgx(), true);
  auto second = snapshot(root);
  CHECK(first.size() > 300);
  CHECK(first.size() == second.size());
  for (const auto& [path, facts] : first) {
    INFO(path);
    auto it = second.find(path);
    REQUIRE(it != second.end());
    CHECK((it->second == facts));
  }
}
