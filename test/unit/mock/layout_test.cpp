// The simulated node's layout as data, without root: device numbers, MIG and sysfs files, graphics
// files, firmware, IPC, the extra and 32-bit libraries, the description, mock-driver.json, and the
// ELF32 writer.
#include <elf.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstring>
#include <nlohmann/json.hpp>

#include "nvrunc/discover/driver_files.hpp"
#include "nvrunc/mock/assets.hpp"
#include "nvrunc/mock/elf32.hpp"
#include "nvrunc/mock/mig.hpp"
#include "nvrunc/mock/node_layout.hpp"

using namespace nvrunc;
using namespace nvrunc::mock;

namespace {

// A node as build_node would plan it on a host whose /proc/devices uses 511 and whose /proc/misc
// uses minor 60.
NodeFacts plan(NodeSpec spec) {
  spec.root = "/srv/node";
  NodeFacts node;
  node.root = spec.root;
  node.driver_version = spec.driver_version;
  node.cuda_version = spec.cuda_version;
  node.features = spec.features;
  auto gpus = plan_node_gpus(spec);
  if (!gpus) FAIL(gpus.error().what());
  node.gpus = *gpus;
  auto numbered = assign_numbers(node, "Character devices:\n  1 mem\n511 other\n\nBlock devices:\n", " 60 other\n");
  if (!numbered) FAIL(numbered.error().what());
  return node;
}

NodeFacts dgx() {
  NodeSpec spec;
  apply_dgx_preset(spec);
  return plan(spec);
}

const DeviceFile* device(const std::vector<DeviceFile>& devices, const std::string& path) {
  auto it = std::find_if(devices.begin(), devices.end(), [&](const DeviceFile& d) { return d.path == path; });
  return it == devices.end() ? nullptr : &*it;
}

const PlainFile* file(const NodeLayout& layout, const std::string& path) {
  auto it = std::find_if(layout.files.begin(), layout.files.end(), [&](const PlainFile& f) { return f.path == path; });
  return it == layout.files.end() ? nullptr : &*it;
}

std::string link(const NodeLayout& layout, const std::string& path) {
  for (const auto& l : layout.links)
    if (l.path == path) return l.target;
  return "";
}

void check_device(const std::vector<DeviceFile>& devices, const std::string& path, unsigned major, unsigned minor,
                  unsigned mode) {
  INFO(path);
  const auto* d = device(devices, path);
  REQUIRE(d != nullptr);
  CHECK(d->major == major);
  CHECK(d->minor == minor);
  CHECK(d->mode == mode);
}

} // namespace

TEST_CASE("mock layout: a plain node has only the classic nodes and no optional files", "[mock]") {
  NodeSpec spec;
  auto node = plan(spec);
  CHECK(node.uvm_major == 510);
  CHECK(node.caps_major == 509);
  CHECK((node.nvidia_fs_major == 0 && node.uverbs_major == 0 && node.rdma_cm_minor == 0));
  auto layout = plan_layout(node);
  CHECK(layout.devices.size() == 2 + 4);
  CHECK(layout.sockets.empty());
  CHECK(layout.dirs.empty());
  for (const auto& f : layout.files) CHECK((f.what == "sysfs" || f.what == "graphics" || f.what == "firmware"));
  auto devices = proc_devices(node);
  CHECK(devices.find("nvidia-fs") == std::string::npos);
  CHECK(devices.find(" drm\n") == std::string::npos);
  CHECK(library_description(node).find("caps=") == std::string::npos);
  CHECK(node_binaries(node).size() == 5);
}

TEST_CASE("mock layout: feature majors come from the host's free ones, uverbs keeps 231", "[mock]") {
  auto node = dgx();
  CHECK(node.uvm_major == 510);
  CHECK(node.caps_major == 509);
  CHECK(node.nvidia_fs_major == 508);
  CHECK(node.nvswitch_major == 507);
  CHECK(node.gdrdrv_major == 506);
  CHECK(node.uverbs_major == 231);
  CHECK(node.rdma_cm_minor == 58);
  NodeFacts ib;
  ib.features.mofed = true;
  REQUIRE(assign_numbers(ib, "Character devices:\n231 infiniband_verbs\n", " 58 rdma_cm\n 63 x\n"));
  CHECK(ib.uverbs_major == 509); // a host with InfiniBand: a free major instead
  CHECK(ib.rdma_cm_minor == 62);
  auto devices = proc_devices(node);
  for (const char* line : {"\n508 nvidia-fs\n", "\n507 nvidia-nvswitch\n", "\n506 gdrdrv\n", "\n231 infiniband_verbs\n",
                           "\n226 drm\n", "\n509 nvidia-caps\n"}) {
    INFO(line);
    CHECK(devices.find(line) != std::string::npos);
  }
}

TEST_CASE("mock layout: device nodes carry the real numbers and modes", "[mock]") {
  auto node = dgx();
  auto devices = node_devices(node);
  const unsigned caps = node.caps_major;
  check_device(devices, "/dev/nvidia-caps/nvidia-cap1", caps, 1, 0400);
  check_device(devices, "/dev/nvidia-caps/nvidia-cap2", caps, 2, 0444);
  for (const auto& gpu : node.gpus)
    for (const auto& d : gpu.mig) {
      check_device(devices, "/dev/nvidia-caps/nvidia-cap" + std::to_string(d.gi_cap), caps, d.gi_cap, 0444);
      check_device(devices, "/dev/nvidia-caps/nvidia-cap" + std::to_string(d.ci_cap), caps, d.ci_cap, 0444);
    }
  // GPUs 1 and 6, 4 GIs and 5 CIs each, plus config and monitor; the shared GI's cap once.
  CHECK(std::count_if(devices.begin(), devices.end(), [](const DeviceFile& d) { return d.what.rfind("mig", 0) == 0; }) ==
        2 + 2 * 9);
  check_device(devices, "/dev/dri/card0", 226, 0, 0660);
  check_device(devices, "/dev/dri/card1", 226, 1, 0660);
  check_device(devices, "/dev/dri/card8", 226, 8, 0660);
  check_device(devices, "/dev/dri/renderD128", 226, 128, 0666);
  check_device(devices, "/dev/dri/renderD135", 226, 135, 0666);
  CHECK(device(devices, "/dev/dri/card1")->gid == node.video_gid);
  CHECK(device(devices, "/dev/dri/renderD128")->gid == node.render_gid);
  check_device(devices, "/dev/nvidia-fs0", 508, 0, 0666);
  check_device(devices, "/dev/nvidia-fs15", 508, 15, 0666);
  CHECK(device(devices, "/dev/nvidia-fs16") == nullptr);
  check_device(devices, "/dev/infiniband/uverbs0", 231, 192, 0666);
  check_device(devices, "/dev/infiniband/uverbs1", 231, 193, 0666);
  check_device(devices, "/dev/infiniband/rdma_cm", 10, 58, 0666);
  check_device(devices, "/dev/nvidia-nvswitchctl", 507, 255, 0666);
  check_device(devices, "/dev/nvidia-nvswitch5", 507, 5, 0666);
  CHECK(device(devices, "/dev/nvidia-nvswitch6") == nullptr);
  check_device(devices, "/dev/gdrdrv", 506, 0, 0666);
  NodeSpec hopper;
  hopper.model = "NVIDIA H100 80GB HBM3";
  hopper.features.nvswitch = true;
  auto h100 = node_devices(plan(hopper));
  CHECK(device(h100, "/dev/nvidia-nvswitch3") != nullptr);
  CHECK(device(h100, "/dev/nvidia-nvswitch4") == nullptr);
}

TEST_CASE("mock layout: MIG capability files name their minors", "[mock]") {
  auto layout = plan_layout(dgx());
  const auto* config = file(layout, "/proc/driver/nvidia/capabilities/mig/config");
  REQUIRE(config != nullptr);
  CHECK(config->content == "DeviceFileMinor: 1\nDeviceFileMode: 256\nDeviceFileModify: 1\n");
  CHECK(config->mode == 0400);
  CHECK(file(layout, "/proc/driver/nvidia/capabilities/mig/monitor")->content.find("DeviceFileMinor: 2\n") == 0);
  CHECK(file(layout, "/proc/driver/nvidia-caps/mig-minors")->content == mig_minors_file());
  const std::string gpu1 = "/proc/driver/nvidia/capabilities/gpu1/mig/";
  CHECK(file(layout, gpu1 + "gi2/access")->content == mig_cap_file(156, 0444));
  CHECK(file(layout, gpu1 + "gi2/ci0/access")->content == mig_cap_file(157, 0444));
  CHECK(file(layout, gpu1 + "gi2/ci1/access")->content == mig_cap_file(158, 0444));
  CHECK(file(layout, gpu1 + "gi8/ci0/access")->content == mig_cap_file(mig_ci_minor(1, 8, 0), 0444));
  CHECK(file(layout, "/proc/driver/nvidia/capabilities/gpu0/mig/gi2/access") == nullptr);
  CHECK(file(layout, "/proc/driver/nvidia/capabilities/gpu6/mig/gi7/ci0/access") != nullptr);
}

TEST_CASE("mock layout: sysfs has each GPU's PCI device and, with --dri, its DRM nodes", "[mock]") {
  auto layout = plan_layout(dgx());
  const std::string dev = "/sys/devices/pci0000:00/0000:07:00.0";
  CHECK(file(layout, dev + "/vendor")->content == "0x10de\n");
  CHECK(file(layout, dev + "/device")->content == "0x20b2\n");
  CHECK(file(layout, dev + "/class")->content == "0x030200\n");
  CHECK(file(layout, dev + "/subsystem_device")->content == "0x147f\n");
  CHECK(file(layout, dev + "/uevent")->content.find("PCI_SLOT_NAME=0000:07:00.0\n") != std::string::npos);
  CHECK(link(layout, "/sys/bus/pci/devices/0000:07:00.0") == "../../../devices/pci0000:00/0000:07:00.0");
  CHECK(file(layout, dev + "/drm/card1/dev")->content == "226:1\n");
  CHECK(file(layout, dev + "/drm/renderD128/dev")->content == "226:128\n");
  CHECK(file(layout, dev + "/drm/card1/uevent")->content.find("DEVNAME=dri/card1\n") != std::string::npos);
  CHECK(link(layout, "/sys/class/drm/card1") == "../../devices/pci0000:00/0000:07:00.0/drm/card1");
  CHECK(link(layout, "/dev/dri/by-path/pci-0000:07:00.0-card") == "../card1");
  CHECK(link(layout, "/dev/dri/by-path/pci-0000:bd:00.0-render") == "../renderD135");
  CHECK(link(layout, "/dev/dri/by-path/pci-0000:03:00.0-card") == "../card0"); // the BMC's VGA
  CHECK(file(layout, "/sys/devices/pci0000:00/0000:03:00.0/vendor")->content == "0x1a03\n");
  NodeSpec many;
  many.gpus = 9;
  auto plain = plan_layout(plan(many));
  CHECK(link(plain, "/sys/bus/pci/devices/0001:07:00.0") == "../../../devices/pci0001:00/0001:07:00.0");
  CHECK(file(plain, dev + "/drm/card1/dev") == nullptr);
  CHECK(link(plain, "/dev/dri/by-path/pci-0000:07:00.0-card").empty());
}

TEST_CASE("mock layout: graphics vendor files are the driver's", "[mock]") {
  auto layout = plan_layout(plan(NodeSpec{}));
  auto library_path = [&](const std::string& path) {
    const auto* f = file(layout, path);
    REQUIRE(f != nullptr);
    auto doc = nlohmann::json::parse(f->content);
    CHECK(doc["file_format_version"] == "1.0.0");
    return doc.contains("ICD") ? doc["ICD"]["library_path"].get<std::string>()
                               : doc["layer"]["library_path"].get<std::string>();
  };
  const std::string egl = "/usr/share/egl/egl_external_platform.d/";
  CHECK(library_path("/usr/share/glvnd/egl_vendor.d/10_nvidia.json") == "libEGL_nvidia.so.0");
  CHECK(library_path(egl + "15_nvidia_gbm.json") == "libnvidia-egl-gbm.so.1");
  CHECK(library_path(egl + "10_nvidia_wayland.json") == "libnvidia-egl-wayland.so.1");
  CHECK(library_path(egl + "20_nvidia_xcb.json") == "libnvidia-egl-xcb.so.1");
  CHECK(library_path(egl + "20_nvidia_xlib.json") == "libnvidia-egl-xlib.so.1");
  CHECK(library_path("/etc/vulkan/icd.d/nvidia_icd.json") == "libGLX_nvidia.so.0");
  CHECK(library_path("/etc/vulkan/implicit_layer.d/nvidia_layers.json") == "libGLX_nvidia.so.0");
  auto icd = nlohmann::json::parse(file(layout, "/etc/vulkan/icd.d/nvidia_icd.json")->content);
  CHECK(icd["ICD"]["api_version"].get<std::string>().rfind("1.3.", 0) == 0);
  CHECK(file(layout, "/etc/OpenCL/vendors/nvidia.icd")->content == "libnvidia-opencl.so.1\n");
  CHECK_FALSE(file(layout, "/usr/share/nvidia/nvoptix.bin")->content.empty());
  CHECK(file(layout, "/usr/share/X11/xorg.conf.d/10-nvidia.conf")->content.find(
            "ModulePath \"/usr/lib/x86_64-linux-gnu/nvidia/xorg\"") != std::string::npos);
  CHECK(link(layout, "/usr/lib/x86_64-linux-gnu/gbm/nvidia-drm_gbm.so") == "../libnvidia-allocator.so.1");
  CHECK(link(layout, "/usr/lib/x86_64-linux-gnu/nvidia/xorg/libglxserver_nvidia.so") ==
        "libglxserver_nvidia.so.550.54.15");
  for (const char* name : {"gsp_ga10x.bin", "gsp_tu10x.bin"}) {
    const auto* fw = file(layout, std::string("/lib/firmware/nvidia/550.54.15/") + name);
    REQUIRE(fw != nullptr);
    CHECK(fw->what == "firmware");
  }
}

TEST_CASE("mock layout: IPC endpoints follow their flags", "[mock]") {
  NodeSpec spec;
  spec.features.persistenced = true;
  auto only = plan_layout(plan(spec));
  CHECK(only.sockets == std::vector<std::string>{"/run/nvidia-persistenced/socket"});
  CHECK(link(only, "/var/run") == "../run");
  spec.features = {};
  spec.features.mps = true;
  auto mps = plan_layout(plan(spec));
  CHECK(mps.dirs == std::vector<std::string>{"/tmp/nvidia-mps"});
  CHECK(link(mps, "/var/run").empty());
  auto all = plan_layout(dgx());
  CHECK(all.sockets == std::vector<std::string>{"/run/nvidia-persistenced/socket", "/run/nvidia-fabricmanager/socket"});
  CHECK(all.dirs == std::vector<std::string>{"/tmp/nvidia-mps", "/run/udev"});
  CHECK(nlohmann::json::parse(file(all, "/etc/cufile.json")->content).contains("properties"));
  CHECK(node_binaries(dgx()).back() == "nv-fabricmanager");
}

TEST_CASE("mock layout: extra and 32-bit libraries have their own names", "[mock]") {
  auto extra = extra_libraries("550.54.15");
  auto find = [&](const std::string& file) {
    auto it = std::find_if(extra.begin(), extra.end(), [&](const LibraryFile& l) { return l.file == file; });
    REQUIRE(it != extra.end());
    return *it;
  };
  CHECK(find("libnvidia-egl-gbm.so.1.1.2").soname == "libnvidia-egl-gbm.so.1");
  CHECK(find("libnvidia-egl-wayland.so.1.1.17").soname == "libnvidia-egl-wayland.so.1");
  CHECK(find("libnvidia-egl-xcb.so.1.0.1").soname == "libnvidia-egl-xcb.so.1");
  CHECK(find("libnvidia-egl-xlib.so.1.0.1").soname == "libnvidia-egl-xlib.so.1");
  // libnvidia-vulkan-producer carries the driver's version: it comes from the driver table now
  CHECK(std::none_of(extra.begin(), extra.end(), [](const LibraryFile& l) { return l.file.starts_with("libnvidia-vulkan"); }));
  CHECK(find("nvidia_drv.so").dir == "/usr/lib/x86_64-linux-gnu/nvidia/xorg");
  CHECK(find("libglxserver_nvidia.so.550.54.15").what == "xorg-module");
  auto libs32 = compat32_libraries("550.54.15");
  CHECK(libs32.size() == compat32_prefixes().size()); // every 32-bit prefix is in the driver table
  for (const auto& lib : libs32) {
    CHECK(lib.dir == "/usr/lib/i386-linux-gnu");
    CHECK(lib.file == lib.prefix + ".550.54.15");
  }
  CHECK(libs32.front().soname == "libnvidia-ml.so.1");
}

TEST_CASE("mock layout: the library description carries MIG", "[mock]") {
  auto node = dgx();
  auto text = library_description(node);
  CHECK(text.find("\ncaps=509\n") != std::string::npos);
  CHECK(text.find(" mig=1 migmode=1 name=NVIDIA A100-SXM4-80GB\n") != std::string::npos);
  const auto& d = node.gpus[6].mig[1];
  CHECK(text.find("\nmig minor=6 gi=2 ci=1 gicap=" + std::to_string(d.gi_cap) + " cicap=" + std::to_string(d.ci_cap) +
                  " gislices=3 cislices=2 memory=40960 uuid=" + d.uuid + " profile=2c.3g.40gb\n") != std::string::npos);
  CHECK(config_toml(node).find("\nsys-root = \"/srv/node/sys\"\n") != std::string::npos);
  NodeSpec big;
  big.gpus = 64;
  for (unsigned i = 0; i < 32; ++i) big.mig.push_back({i, "1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb"});
  CHECK(library_description(plan(big)).size() < description_capacity());
}

TEST_CASE("mock layout: mock-driver.json describes MIG, devices, libraries and files", "[mock]") {
  auto node = dgx();
  auto doc = nlohmann::json::parse(node_json(node));
  CHECK(doc["format"] == 1);
  CHECK(doc["features"]["gds"] == true);
  CHECK(doc["majors"]["nvidia-caps"] == node.caps_major);
  CHECK(doc["majors"]["infiniband_verbs"] == 231);
  const auto& gpu1 = doc["gpus"][1];
  CHECK(gpu1["mig_enabled"] == true);
  REQUIRE(gpu1["mig"].size() == 5);
  const auto& m = gpu1["mig"][0];
  CHECK(m["uuid"] == node.gpus[1].mig[0].uuid);
  CHECK(m["name"] == "NVIDIA A100-SXM4-80GB MIG 1c.3g.40gb");
  CHECK(m["gi"] == 2);
  CHECK(m["gi_cap_minor"] == 156);
  CHECK(m["ci_cap_minor"] == 157);
  CHECK(m["ci_cap_device"] == "/dev/nvidia-caps/nvidia-cap157");
  CHECK(m["gi_cap_file"] == "/proc/driver/nvidia/capabilities/gpu1/mig/gi2/access");
  CHECK(m["ci_cap_file"] == "/proc/driver/nvidia/capabilities/gpu1/mig/gi2/ci0/access");
  CHECK(doc["gpus"][0]["mig"].empty());
  CHECK(doc["gpus"][0]["dri"][0] == nlohmann::json::parse(R"({"path": "/dev/dri/card1", "major": 226, "minor": 1})"));
  CHECK(doc["gpus"][0]["dri"][1]["path"] == "/dev/dri/renderD128");
  CHECK(doc["gpus"][0]["sysfs"] == "/sys/bus/pci/devices/0000:07:00.0");
  CHECK(doc["mig"]["config"]["device"] == "/dev/nvidia-caps/nvidia-cap1");
  CHECK(doc["libraries"].size() == discover::driver_libraries().size());
  CHECK(doc["libraries32"].size() == compat32_prefixes().size());
  CHECK(doc["extra_libraries"].size() == 6); // 4 EGL platform libraries, 2 X.Org modules
  CHECK(doc["devices"].size() == node_devices(node).size());
  CHECK(doc["devices"][0] == nlohmann::json::parse(R"({"path": "/dev/nvidia0", "type": "c", "major": 195, "minor": 0,
                                                      "mode": "0666", "gid": 0, "what": "gpu"})"));
  CHECK(doc["sockets"].size() == 2);
  CHECK(doc["directories"].size() == 2);
  CHECK(doc["binaries"].size() == 6);
  bool firmware = false;
  for (const auto& f : doc["files"]) firmware |= f["what"] == "firmware";
  CHECK(firmware);
  CHECK(nlohmann::json::parse(node_json(plan(NodeSpec{})))["libraries32"].empty());
}

TEST_CASE("mock layout: the ELF32 writer makes an i386 shared object with a SONAME", "[mock]") {
  auto image = make_elf32_library("libcuda.so.1");
  REQUIRE(image.size() > sizeof(Elf32_Ehdr));
  Elf32_Ehdr eh;
  std::memcpy(&eh, image.data(), sizeof eh);
  CHECK(std::memcmp(eh.e_ident, ELFMAG, SELFMAG) == 0);
  CHECK(eh.e_ident[EI_CLASS] == ELFCLASS32);
  CHECK(eh.e_machine == EM_386);
  CHECK(eh.e_type == ET_DYN);
  CHECK(read_soname(image).value() == "libcuda.so.1");
  CHECK(read_soname(make_elf32_library("libnvidia-glcore.so.550.54.15")).value() == "libnvidia-glcore.so.550.54.15");
  CHECK(image.find(std::string("libc.so.6\0", 10)) != std::string::npos);
}
