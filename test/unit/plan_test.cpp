// Planning on a hand-built inventory: which nodes, mounts and hook args a request gets, errors,
// determinism. (Discovery itself is tested against simulated nodes in discover_test.)
#include <catch2/catch.hpp>

#include "nvrunc/discover/procfs.hpp"
#include "nvrunc/plan/plan.hpp"

using namespace nvrunc;

namespace {

const std::string lib = "/usr/lib/x86_64-linux-gnu";

discover::Library library(const std::string& prefix, Capability cap, const std::string& soname) {
  const std::string path = lib + "/" + prefix + ".550.54.15";
  return {prefix, cap, path, "/drv" + path, soname};
}

discover::Inventory two_gpus() {
  discover::Inventory inv;
  inv.driver_version = "550.54.15";
  for (unsigned i = 0; i < 2; ++i) {
    discover::DeviceNode node{"/dev/nvidia" + std::to_string(i), 'c', 195, i, 0666, 0, 0, true, ""};
    discover::Gpu gpu;
    gpu.index = gpu.minor = i;
    gpu.uuid = "GPU-0000000" + std::to_string(i) + "-aaaa-bbbb-cccc-dddddddddddd";
    gpu.bus_id = "00000000:0" + std::to_string(i + 7) + ":00.0";
    gpu.model = "NVIDIA A100";
    gpu.node = node;
    inv.gpus.push_back(gpu);
  }
  inv.nvidiactl = discover::DeviceNode{"/dev/nvidiactl", 'c', 195, 255, 0666, 0, 0, true, ""};
  inv.uvm = discover::DeviceNode{"/dev/nvidia-uvm", 'c', 510, 0, 0666, 0, 0, true, ""};
  inv.uvm_tools = discover::DeviceNode{"/dev/nvidia-uvm-tools", 'c', 510, 1, 0666, 0, 0, false, ""};
  inv.modeset = discover::DeviceNode{"/dev/nvidia-modeset", 'c', 195, 254, 0666, 0, 0, true, ""};
  inv.libraries = {library("libnvidia-ml.so", Capability::utility, "libnvidia-ml.so.1"),
                   library("libcuda.so", Capability::compute, "libcuda.so.1"),
                   library("libnvidia-ptxjitcompiler.so", Capability::compute, "libnvidia-ptxjitcompiler.so.1"),
                   library("libnvidia-gpucomp.so", Capability::compute, "libnvidia-gpucomp.so.550.54.15"),
                   library("libnvcuvid.so", Capability::video, "libnvcuvid.so.1"),
                   library("libnvidia-glcore.so", Capability::graphics, "libnvidia-glcore.so.550.54.15")};
  inv.binaries = {{"nvidia-smi", Capability::utility, "/usr/bin/nvidia-smi", "/drv/usr/bin/nvidia-smi"},
                  {"nvidia-cuda-mps-control", Capability::compute, "/usr/bin/nvidia-cuda-mps-control",
                   "/drv/usr/bin/nvidia-cuda-mps-control"}};
  return inv;
}

request::Request req(request::Devices d, std::vector<std::string> ids = {}, const char* caps = "utility,compute") {
  request::Request r;
  r.devices = d;
  r.ids = std::move(ids);
  r.capabilities = *Capabilities::parse(caps);
  r.source = "NVIDIA_VISIBLE_DEVICES in process.env";
  return r;
}

plan::Target debian() {
  plan::Target t;
  t.library_dir = plan::library_dir_for(true);
  return t;
}
plan::Options options() { return {"/opt/nvrunc/bin/nvrunc-hook", "/sbin/ldconfig"}; }

std::vector<std::string> node_paths(const plan::Plan& p) {
  std::vector<std::string> out;
  for (const auto& d : p.edits.device_nodes) out.push_back(d.path);
  return out;
}

std::vector<std::string> mount_targets(const plan::Plan& p) {
  std::vector<std::string> out;
  for (const auto& m : p.edits.mounts) out.push_back(m.container_path);
  return out;
}

} // namespace

TEST_CASE("plan: one GPU with compute and utility", "[plan]") {
  auto inv = two_gpus();
  auto p = plan::make_plan(req(request::Devices::list, {"1"}), inv, debian(), options());
  REQUIRE(p);
  CHECK(node_paths(*p) == std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools", "/dev/nvidia1"});
  CHECK(p->edits.device_nodes.back().minor == 1);
  CHECK(p->edits.device_nodes[1].major == 510);
  CHECK(mount_targets(*p) == std::vector<std::string>{
                                 lib + "/libnvidia-ml.so.550.54.15", lib + "/libcuda.so.550.54.15",
                                 lib + "/libnvidia-ptxjitcompiler.so.550.54.15", lib + "/libnvidia-gpucomp.so.550.54.15",
                                 "/usr/bin/nvidia-smi", "/usr/bin/nvidia-cuda-mps-control"});
  CHECK(p->edits.mounts[1].host_path == "/drv" + lib + "/libcuda.so.550.54.15");
  CHECK(p->edits.mounts[0].options == std::vector<std::string>{"ro", "nosuid", "nodev", "rbind", "rprivate"});
  REQUIRE(p->edits.hooks.size() == 1);
  const auto& hook = p->edits.hooks[0];
  CHECK(hook.hook_name == "createContainer");
  CHECK(hook.path == "/opt/nvrunc/bin/nvrunc-hook");
  CHECK_FALSE(hook.env.empty());
  CHECK(hook.args == std::vector<std::string>{
                         "nvrunc-hook", "create-container", "--library-dir", lib,
                         "--link", lib + "/libnvidia-ml.so.1=libnvidia-ml.so.550.54.15",
                         "--link", lib + "/libnvidia-ml.so=libnvidia-ml.so.1",
                         "--link", lib + "/libcuda.so.1=libcuda.so.550.54.15",
                         "--link", lib + "/libcuda.so=libcuda.so.1",
                         "--link", lib + "/libnvidia-ptxjitcompiler.so.1=libnvidia-ptxjitcompiler.so.550.54.15",
                         "--link", lib + "/libnvidia-ptxjitcompiler.so=libnvidia-ptxjitcompiler.so.1",
                         "--link", lib + "/libnvidia-gpucomp.so=libnvidia-gpucomp.so.550.54.15",
                         "--mask-params", "--ldconfig", "/sbin/ldconfig"});
  REQUIRE(p->gpus.size() == 1);
  CHECK(p->gpus[0]->index == 1);
}

TEST_CASE("plan: id forms select the same GPU", "[plan]") {
  auto inv = two_gpus();
  for (std::string id : {"1", "GPU-00000001-aaaa-bbbb-cccc-dddddddddddd", "gpu-00000001-AAAA-bbbb-cccc-dddddddddddd",
                         "00000000:08:00.0", "0000:08:00.0", "08:00.0"}) {
    INFO(id);
    auto p = plan::make_plan(req(request::Devices::list, {id}), inv, debian(), options());
    REQUIRE(p);
    REQUIRE(p->gpus.size() == 1);
    CHECK(p->gpus[0]->index == 1);
  }
  auto both = plan::make_plan(req(request::Devices::list, {"1", "0", "GPU-00000001-aaaa-bbbb-cccc-dddddddddddd"}), inv,
                              debian(), options());
  REQUIRE(both);
  CHECK(node_paths(*both) == std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools",
                                                      "/dev/nvidia0", "/dev/nvidia1"});
}

TEST_CASE("plan: all, none and capabilities", "[plan]") {
  auto inv = two_gpus();
  auto all = plan::make_plan(req(request::Devices::all), inv, debian(), options());
  REQUIRE(all);
  CHECK(all->gpus.size() == 2);
  auto none = plan::make_plan(req(request::Devices::driver_only), inv, debian(), options());
  REQUIRE(none);
  CHECK(node_paths(*none) == std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"});
  CHECK(none->edits.mounts.size() == 6);
  auto utility = plan::make_plan(req(request::Devices::list, {"0"}, "utility"), inv, debian(), options());
  REQUIRE(utility);
  CHECK(node_paths(*utility) == std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia0"}); // no UVM without compute
  CHECK(mount_targets(*utility) == std::vector<std::string>{lib + "/libnvidia-ml.so.550.54.15", "/usr/bin/nvidia-smi"});
  auto video = plan::make_plan(req(request::Devices::list, {"0"}, "video"), inv, debian(), options());
  REQUIRE(video);
  CHECK(mount_targets(*video).size() == 4); // compute libraries and libnvcuvid; no binaries
  auto display = plan::make_plan(req(request::Devices::list, {"0"}, "display"), inv, debian(), options());
  REQUIRE(display);
  CHECK(node_paths(*display) == std::vector<std::string>{"/dev/nvidiactl", "/dev/nvidia-modeset", "/dev/nvidia0"});
  auto nolibs = plan::make_plan(req(request::Devices::list, {"0"}, "none"), inv, debian(), options());
  REQUIRE(nolibs);
  CHECK(nolibs->edits.mounts.empty());
  REQUIRE(nolibs->edits.hooks.size() == 1); // still masks the params file, but has nothing to index
  CHECK(nolibs->edits.hooks[0].args ==
        std::vector<std::string>{"nvrunc-hook", "create-container", "--mask-params", "--no-ldconfig"});
}

TEST_CASE("plan: non-Debian images get /usr/lib64", "[plan]") {
  auto inv = two_gpus();
  plan::Target lib64;
  lib64.library_dir = plan::library_dir_for(false);
  auto p = plan::make_plan(req(request::Devices::list, {"0"}), inv, lib64, options());
  REQUIRE(p);
  CHECK(p->edits.mounts[0].container_path == "/usr/lib64/libnvidia-ml.so.550.54.15");
  CHECK(p->edits.hooks[0].args[3] == "/usr/lib64");
}

TEST_CASE("plan: errors fail closed and say why", "[plan]") {
  auto inv = two_gpus();
  auto unknown = plan::make_plan(req(request::Devices::list, {"0", "7"}), inv, debian(), options());
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code() == Errc::unknown_device);
  CHECK(unknown.error().what().find("unknown GPU `7`") != std::string::npos);
  CHECK(unknown.error().what().find("this node has 2 GPUs") != std::string::npos);
  auto uuid = plan::make_plan(req(request::Devices::list, {"GPU-deadbeef"}), inv, debian(), options());
  REQUIRE_FALSE(uuid);
  CHECK(uuid.error().code() == Errc::unknown_device);
  auto odd = plan::make_plan(req(request::Devices::list, {"\x1b[31mred"}), inv, debian(), options());
  REQUIRE_FALSE(odd);
  CHECK(odd.error().what().find('\x1b') == std::string::npos); // escape sequences never reach the log
  auto mig = plan::make_plan(req(request::Devices::list, {"0:1"}), inv, debian(), options());
  REQUIRE_FALSE(mig);
  CHECK(mig.error().code() == Errc::unknown_device); // no NVML facts, no such MIG device

  discover::Inventory nodriver;
  auto missing = plan::make_plan(req(request::Devices::list, {"0"}), nodriver, debian(), options());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == Errc::driver_missing);

  auto bad = two_gpus();
  bad.gpus[1].node.problem = "host node `/dev/nvidia1` is c 1:3, expected c 195:1";
  auto wrong = plan::make_plan(req(request::Devices::list, {"1"}), bad, debian(), options());
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().what().find("expected c 195:1") != std::string::npos);
  CHECK(plan::make_plan(req(request::Devices::list, {"0"}), bad, debian(), options())); // only used nodes matter
}

TEST_CASE("plan: nothing requested plans nothing", "[plan]") {
  auto p = plan::make_plan(req(request::Devices::nothing), discover::Inventory{}, debian(), options());
  REQUIRE(p);
  CHECK(p->edits.empty());
}

TEST_CASE("plan: deterministic", "[plan]") {
  auto inv = two_gpus();
  auto a = plan::make_plan(req(request::Devices::list, {"1", "0"}), inv, debian(), options());
  auto b = plan::make_plan(req(request::Devices::list, {"0", "1"}), inv, debian(), options());
  REQUIRE(a);
  REQUIRE(b);
  CHECK(node_paths(*a) == node_paths(*b));
  CHECK(mount_targets(*a) == mount_targets(*b));
  CHECK(a->edits.hooks[0].args == b->edits.hooks[0].args);
}

TEST_CASE("procfs parsers", "[plan][procfs]") {
  using namespace discover;
  CHECK(parse_driver_version("NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n"
                             "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n") == "550.54.15");
  CHECK(parse_driver_version("NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  580.159.04  Release Build  "
                             "(nixbld@)  \nGCC version:  gcc version 15.3.0 (GCC)\n") == "580.159.04");
  CHECK_FALSE(parse_driver_version("garbage"));
  auto info = parse_gpu_information("Model: \t\t NVIDIA H200\nIRQ:   \t\t 41\nGPU UUID: \t GPU-c3304f31-2fe9-15f4-74e9-976f12257290\n"
                                    "Bus Location: \t 0000:00:06.0\nDevice Minor: \t 0\nGPU Excluded:\t No\n");
  CHECK(info.model == "NVIDIA H200");
  CHECK(info.uuid == "GPU-c3304f31-2fe9-15f4-74e9-976f12257290");
  CHECK(info.bus_location == "0000:00:06.0");
  CHECK(info.minor == 0u);
  const char* devices = "Character devices:\n  1 mem\n195 nvidia\n195 nvidiactl\n238 nvidia-uvm\n241 nvidia-caps\n\n"
                        "Block devices:\n 238 nvidia-uvm-fake\n";
  CHECK(find_char_major(devices, "nvidia-uvm") == 238u);
  CHECK(find_char_major(devices, "nvidia") == 195u);
  CHECK_FALSE(find_char_major(devices, "nvidia-modeset"));
  CHECK(normalize_bus_id("0000:3B:00.0") == "00000000:3b:00.0");
  CHECK(normalize_bus_id("3b:00.0") == "00000000:3b:00.0");
  CHECK(normalize_bus_id("00000001:3b:1f.7") == "00000001:3b:1f.7");
  CHECK_FALSE(normalize_bus_id("0:1"));
  CHECK_FALSE(normalize_bus_id("zz:00.0"));
}

namespace {

// two_gpus() with MIG on GPU 1 (two GPU instances, the second with two compute instances), DRM
// nodes, 32-bit libraries and feature nodes; and the NVML view of it.
discover::Inventory rich() {
  auto inv = two_gpus();
  auto cap = [](unsigned minor) {
    return discover::DeviceNode{"/dev/nvidia-caps/nvidia-cap" + std::to_string(minor), 'c', 509, minor, 0444, 0, 0, true, ""};
  };
  inv.gpus[1].mig = {{1, 0, cap(12), cap(13)}, {2, 0, cap(21), cap(22)}, {2, 1, cap(21), cap(23)}};
  for (unsigned i = 0; i < 2; ++i)
    inv.gpus[i].drm = {{"/dev/dri/card" + std::to_string(i + 1), 'c', 226, i + 1, 0660, 0, 44, true, ""},
                       {"/dev/dri/renderD" + std::to_string(128 + i), 'c', 226, 128 + i, 0666, 0, 0, true, ""}};
  inv.libraries32 = {library("libcuda.so", Capability::compute, "libcuda.so.1")};
  inv.libraries32[0].path = "/usr/lib/i386-linux-gnu/libcuda.so.550.54.15";
  inv.libraries.push_back(library("libGLX_nvidia.so", Capability::graphics, "libGLX_nvidia.so.0"));
  inv.libraries.push_back(library("libnvidia-allocator.so", Capability::compute, "libnvidia-allocator.so.1"));
  inv.features[static_cast<int>(discover::Feature::gdrcopy)] = {{"/dev/gdrdrv", 'c', 508, 0, 0666, 0, 0, true, ""}};
  inv.firmware = {{"/lib/firmware/nvidia/550.54.15/gsp_ga10x.bin", "/drv/lib/firmware/nvidia/550.54.15/gsp_ga10x.bin", "GSP firmware"}};
  inv.ipc = {{"/run/nvidia-persistenced/socket", "/drv/run/nvidia-persistenced/socket", "persistenced socket", Capability::utility}};
  inv.graphics_files = {{"/etc/vulkan/icd.d/nvidia_icd.json", "/drv/etc/vulkan/icd.d/nvidia_icd.json", "graphics vendor file",
                         Capability::graphics}};
  return inv;
}

discover::NvmlFacts rich_nvml(const discover::Inventory& inv) {
  discover::NvmlFacts f;
  f.cuda_version = "12.4";
  for (const auto& g : inv.gpus) {
    discover::NvmlGpu n;
    n.uuid = g.uuid;
    n.bus_id = g.bus_id;
    n.brand = 2; // tesla
    n.arch = "8.0";
    f.gpus.push_back(n);
  }
  f.gpus[1].mig_enabled = true;
  f.gpus[1].mig = {{0, 1, 0, "MIG-aaaaaaaa-0000-0000-0000-000000000000", "1g.10gb"},
                   {1, 2, 0, "MIG-bbbbbbbb-0000-0000-0000-000000000000", "2g.20gb"},
                   {2, 2, 1, "MIG-cccccccc-0000-0000-0000-000000000000", "2g.20gb"}};
  return f;
}

bool has_node(const plan::Plan& p, const std::string& path) {
  auto n = node_paths(p);
  return std::find(n.begin(), n.end(), path) != n.end();
}

} // namespace

TEST_CASE("plan: MIG devices by every id form", "[plan][mig]") {
  const auto inv = rich();
  const auto nvml = rich_nvml(inv);
  struct Row {
    std::string id;
    std::vector<std::string> caps;
  };
  const std::vector<Row> rows = {
      {"MIG-bbbbbbbb-0000-0000-0000-000000000000", {"nvidia-cap21", "nvidia-cap22"}},
      {"mig-CCCCCCCC-0000-0000-0000-000000000000", {"nvidia-cap21", "nvidia-cap23"}},
      {"1:0", {"nvidia-cap12", "nvidia-cap13"}},
      {"MIG-GPU-00000001-aaaa-bbbb-cccc-dddddddddddd/2/1", {"nvidia-cap21", "nvidia-cap23"}},
  };
  for (const auto& row : rows) {
    INFO(row.id);
    auto p = plan::make_plan(req(request::Devices::list, {row.id}), inv, debian(), options(), &nvml);
    REQUIRE(p);
    CHECK(has_node(*p, "/dev/nvidia1")); // the parent GPU
    CHECK_FALSE(has_node(*p, "/dev/nvidia0"));
    for (const auto& c : row.caps) CHECK(has_node(*p, "/dev/nvidia-caps/" + c));
    size_t caps = 0;
    for (const auto& n : node_paths(*p)) caps += n.find("nvidia-caps") != std::string::npos;
    CHECK(caps == 2);
  }
  auto two = plan::make_plan(req(request::Devices::list, {"1:1", "1:2"}), inv, debian(), options(), &nvml);
  REQUIRE(two);
  CHECK(node_paths(*two).size() == 3 + 1 + 3); // control nodes, GPU 1, GI 2 once + two CIs
  auto all = plan::make_plan(req(request::Devices::all), inv, debian(), options(), &nvml);
  REQUIRE(all);
  CHECK(all->mig.size() == 3);
  auto missing = plan::make_plan(req(request::Devices::list, {"1:7"}), inv, debian(), options(), &nvml);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().what().find("unknown MIG device `1:7`") != std::string::npos);
  CHECK_FALSE(plan::make_plan(req(request::Devices::list, {"MIG-aaaaaaaa-0000-0000-0000-000000000000"}), inv, debian(),
                              options())); // MIG UUIDs need NVML
  CHECK(plan::needs_nvml(req(request::Devices::list, {"1:0"})));
  CHECK(plan::needs_nvml(req(request::Devices::list, {"MIG-x"})));
  CHECK_FALSE(plan::needs_nvml(req(request::Devices::list, {"MIG-GPU-x/1/0", "0", "GPU-x", "0000:07:00.0"})));
}

TEST_CASE("plan: graphics brings DRM nodes, vendor files and links; compat32 the 32-bit libraries", "[plan]") {
  const auto inv = rich();
  auto t = debian();
  t.library_dir32 = "/usr/lib/i386-linux-gnu";
  auto g = plan::make_plan(req(request::Devices::list, {"0"}, "graphics,compat32,compute"), inv, t, options());
  REQUIRE(g);
  CHECK(has_node(*g, "/dev/dri/card1"));
  CHECK(has_node(*g, "/dev/dri/renderD128"));
  CHECK_FALSE(has_node(*g, "/dev/dri/card2")); // GPU 1's
  auto targets = mount_targets(*g);
  auto mounted = [&](const std::string& p) { return std::find(targets.begin(), targets.end(), p) != targets.end(); };
  CHECK(mounted("/etc/vulkan/icd.d/nvidia_icd.json"));
  CHECK(mounted("/usr/lib/i386-linux-gnu/libcuda.so.550.54.15"));
  CHECK(mounted("/lib/firmware/nvidia/550.54.15/gsp_ga10x.bin"));
  CHECK_FALSE(mounted("/run/nvidia-persistenced/socket")); // utility was not asked for
  const auto& args = g->edits.hooks[0].args;
  auto has_arg = [&](const std::string& a) { return std::find(args.begin(), args.end(), a) != args.end(); };
  CHECK(has_arg("/dev/dri/by-path/pci-0000:07:00.0-card=../card1"));
  CHECK(has_arg("/dev/dri/by-path/pci-0000:07:00.0-render=../renderD128"));
  CHECK(has_arg(lib + "/libGLX_indirect.so.0=libGLX_nvidia.so.550.54.15"));
  CHECK(has_arg(lib + "/gbm/nvidia-drm_gbm.so=../libnvidia-allocator.so.1"));
  CHECK(has_arg(lib + "/libnvidia-allocator.so=libnvidia-allocator.so.1"));
  auto glx = std::find_if(g->edits.mounts.begin(), g->edits.mounts.end(),
                          [&](const auto& m) { return m.container_path == lib + "/libGLX_nvidia.so.550.54.15"; });
  REQUIRE(glx != g->edits.mounts.end());
  CHECK(glx->reason == "graphics library");
  CHECK(has_arg("/usr/lib/i386-linux-gnu/libcuda.so.1=libcuda.so.550.54.15"));
  CHECK(has_arg("/usr/lib/i386-linux-gnu"));
  auto utility = plan::make_plan(req(request::Devices::list, {"0"}, "utility"), inv, t, options());
  REQUIRE(utility);
  CHECK_FALSE(has_node(*utility, "/dev/dri/card1"));
  auto ipc = std::find_if(utility->edits.mounts.begin(), utility->edits.mounts.end(),
                          [](const edits::Mount& m) { return m.container_path == "/run/nvidia-persistenced/socket"; });
  REQUIRE(ipc != utility->edits.mounts.end());
  CHECK(std::find(ipc->options.begin(), ipc->options.end(), "ro") == ipc->options.end()); // sockets are written to
  CHECK(std::find(ipc->options.begin(), ipc->options.end(), "noexec") != ipc->options.end());
}

TEST_CASE("plan: feature nodes only when enabled", "[plan]") {
  const auto inv = rich();
  auto r = req(request::Devices::list, {"0"});
  CHECK_FALSE(has_node(*plan::make_plan(r, inv, debian(), options()), "/dev/gdrdrv"));
  r.gdrcopy = true;
  CHECK(has_node(*plan::make_plan(r, inv, debian(), options()), "/dev/gdrdrv"));
}

TEST_CASE("plan: requirements are checked per selected GPU with NVML's facts", "[plan][require]") {
  const auto inv = rich();
  const auto nvml = rich_nvml(inv);
  auto r = req(request::Devices::list, {"1"});
  r.requirements = {{"NVIDIA_REQUIRE_CUDA", "cuda>=12.0 brand=grid"}, {"NVIDIA_REQUIRE_ARCH", "arch>=8.0"}};
  CHECK(plan::make_plan(r, inv, debian(), options(), &nvml));
  r.requirements.push_back({"NVIDIA_REQUIRE_NEW", "cuda>=13.0"});
  auto unmet = plan::make_plan(r, inv, debian(), options(), &nvml);
  REQUIRE_FALSE(unmet);
  CHECK(unmet.error().code() == Errc::unmet_requirement);
  CHECK(unmet.error().what().find("CUDA 12.4") != std::string::npos);
  r.requirements_disabled = true;
  CHECK(plan::make_plan(r, inv, debian(), options(), &nvml));
  r.requirements_disabled = false;
  r.requirements = {{"NVIDIA_REQUIRE_BRAND", "brand=geforce"}};
  CHECK_FALSE(plan::make_plan(r, inv, debian(), options(), &nvml));
}

TEST_CASE("plan: CUDA forward compatibility is decided from file names", "[plan][compat]") {
  CHECK(plan::forward_compat_applies({"libcuda.so", "libcuda.so.1", "libcuda.so.575.51.03"}, "550.54.15"));
  CHECK_FALSE(plan::forward_compat_applies({"libcuda.so.550.90.07"}, "550.54.15")); // same branch
  CHECK_FALSE(plan::forward_compat_applies({"libcuda.so.535.1.1"}, "550.54.15"));   // older
  CHECK_FALSE(plan::forward_compat_applies({"libcuda.so.1", "libnvidia-ptxjitcompiler.so.575.51.03"}, "550.54.15"));
  CHECK_FALSE(plan::forward_compat_applies({}, "550.54.15"));
  CHECK_FALSE(plan::forward_compat_applies({"libcuda.so.abc.1"}, "550.54.15"));
  const auto inv = rich();
  auto t = debian();
  t.compat_dir = "/usr/local/cuda/compat";
  auto p = plan::make_plan(req(request::Devices::list, {"0"}), inv, t, options());
  REQUIRE(p);
  const auto& args = p->edits.hooks[0].args;
  REQUIRE(args.size() > 5);
  CHECK(args[2] == "--library-dir");
  CHECK(args[3] == "/usr/local/cuda/compat"); // first: its libcuda must win in the ld cache
  CHECK(args[5] == lib);
  auto utility_only = plan::make_plan(req(request::Devices::list, {"0"}, "utility"), inv, t, options());
  REQUIRE(utility_only);
  CHECK(utility_only->edits.hooks[0].args[3] == lib); // compat is for CUDA (compute) containers
}
