// Graphics and display files, firmware and the extra libraries of a simulated node: what every 5xx
// driver install has besides its table of libraries (reference §2.4, §2.7; toolkit §2.3). Contents
// follow the files the driver installs; the Vulkan API version is the one 550 drivers report.
#include <algorithm>
#include <string>

#include "nvrunc/discover/driver_files.hpp"
#include "nvrunc/mock/node_layout.hpp"

namespace nvrunc::mock {

namespace {

constexpr const char* vulkan_api_version = "1.3.277";

// The EGL platform libraries: their own versions, SONAME .so.1, and the JSON naming each for the
// EGL loader (usr/share/egl/egl_external_platform.d).
struct EglPlatform {
  const char* json;
  const char* prefix;
  const char* version;
};
constexpr EglPlatform egl_platforms[] = {
    {"15_nvidia_gbm.json", "libnvidia-egl-gbm.so", "1.1.2"},
    {"10_nvidia_wayland.json", "libnvidia-egl-wayland.so", "1.1.17"},
    {"20_nvidia_xcb.json", "libnvidia-egl-xcb.so", "1.0.1"},
    {"20_nvidia_xlib.json", "libnvidia-egl-xlib.so", "1.0.1"},
};

std::string egl_icd_json(const std::string& library) {
  return "{\n    \"file_format_version\" : \"1.0.0\",\n    \"ICD\" : {\n        \"library_path\" : \"" + library +
         "\"\n    }\n}\n";
}

std::string vulkan_icd_json() {
  return std::string("{\n    \"file_format_version\" : \"1.0.0\",\n    \"ICD\": {\n        \"library_path\": "
                     "\"libGLX_nvidia.so.0\",\n        \"api_version\" : \"") +
         vulkan_api_version + "\"\n    }\n}\n";
}

std::string vulkan_layers_json() {
  return std::string("{\n    \"file_format_version\" : \"1.0.0\",\n    \"layer\": {\n"
                     "        \"name\": \"VK_LAYER_NV_optimus\",\n        \"type\": \"INSTANCE\",\n"
                     "        \"library_path\": \"libGLX_nvidia.so.0\",\n        \"api_version\" : \"") +
         vulkan_api_version +
         "\",\n        \"implementation_version\" : \"1\",\n        \"description\" : \"NVIDIA Optimus layer\",\n"
         "        \"functions\": {\n            \"vkGetInstanceProcAddr\": \"vk_optimusGetInstanceProcAddr\",\n"
         "            \"vkGetDeviceProcAddr\": \"vk_optimusGetDeviceProcAddr\"\n        },\n"
         "        \"enable_environment\": {\n            \"__NV_PRIME_RENDER_OFFLOAD\": \"1\"\n        },\n"
         "        \"disable_environment\": {\n            \"DISABLE_LAYER_NV_OPTIMUS_1\": \"\"\n        }\n    }\n}\n";
}

std::string xorg_conf() {
  return "Section \"OutputClass\"\n    Identifier \"nvidia\"\n    MatchDriver \"nvidia-drm\"\n    Driver \"nvidia\"\n"
         "    Option \"AllowEmptyInitialConfiguration\"\n    ModulePath \"" +
         std::string(lib_dir) + "/nvidia/xorg\"\nEndSection\n";
}

void add(NodeLayout& layout, std::string path, std::string content, const char* what) {
  layout.files.push_back({std::move(path), std::move(content), 0644, what});
}

} // namespace

void add_graphics_files(const NodeFacts& node, NodeLayout& layout) {
  add(layout, "/usr/share/glvnd/egl_vendor.d/10_nvidia.json", egl_icd_json("libEGL_nvidia.so.0"), "graphics");
  for (const auto& p : egl_platforms)
    add(layout, std::string("/usr/share/egl/egl_external_platform.d/") + p.json, egl_icd_json(std::string(p.prefix) + ".1"),
        "graphics");
  add(layout, "/etc/vulkan/icd.d/nvidia_icd.json", vulkan_icd_json(), "graphics");
  add(layout, "/etc/vulkan/implicit_layer.d/nvidia_layers.json", vulkan_layers_json(), "graphics");
  add(layout, "/etc/OpenCL/vendors/nvidia.icd", "libnvidia-opencl.so.1\n", "graphics");
  add(layout, "/usr/share/nvidia/nvoptix.bin", std::string("NVOPTIX") + std::string(5, '\0') + "simulated", "graphics");
  add(layout, "/usr/share/X11/xorg.conf.d/10-nvidia.conf", xorg_conf(), "graphics");
  const std::string lib(lib_dir);
  layout.links.push_back({lib + "/gbm/nvidia-drm_gbm.so", "../libnvidia-allocator.so.1"});
  layout.links.push_back({lib + "/nvidia/xorg/libglxserver_nvidia.so", "libglxserver_nvidia.so." + node.driver_version});
}

// GSP firmware: real files are ELF images of several MB; a header-like prefix is enough here.
void add_firmware(const NodeFacts& node, NodeLayout& layout) {
  const std::string dir = "/lib/firmware/nvidia/" + node.driver_version;
  for (const char* name : {"gsp_ga10x.bin", "gsp_tu10x.bin"})
    add(layout, dir + "/" + name, std::string("\x7f" "ELF\x02\x01\x01") + '\0' + "simulated GSP firmware\n", "firmware");
}

std::vector<LibraryFile> extra_libraries(const std::string& driver_version) {
  const std::string lib(lib_dir), xorg = lib + "/nvidia/xorg";
  std::vector<LibraryFile> out;
  for (const auto& p : egl_platforms)
    out.push_back({lib, std::string(p.prefix) + "." + p.version, std::string(p.prefix) + ".1", "", "egl-platform"});
  const std::string producer = "libnvidia-vulkan-producer.so." + driver_version;
  const auto table = discover::driver_libraries(); // the producer may join the table one day
  if (std::none_of(table.begin(), table.end(), [](const auto& l) { return l.prefix == "libnvidia-vulkan-producer.so"; }))
    out.push_back({lib, producer, producer, "", "vulkan-producer"});
  out.push_back({xorg, "nvidia_drv.so", "nvidia_drv.so", "", "xorg-module"});
  const std::string glx = "libglxserver_nvidia.so." + driver_version;
  out.push_back({xorg, glx, glx, "", "xorg-module"});
  return out;
}

std::vector<LibraryFile> native_libraries(const std::string& driver_version) {
  std::vector<LibraryFile> out;
  for (const auto& lib : discover::driver_libraries()) {
    const std::string prefix(lib.prefix), file = prefix + "." + driver_version;
    const std::string soname = lib.soname_suffix.empty() ? file : prefix + "." + std::string(lib.soname_suffix);
    out.push_back({std::string(lib_dir), file, soname, prefix, std::string(capability_name(lib.capability))});
  }
  return out;
}

std::vector<LibraryFile> compat32_libraries(const std::string& driver_version) {
  std::vector<LibraryFile> out;
  const auto wanted = compat32_prefixes();
  for (auto lib : native_libraries(driver_version)) {
    if (std::find(wanted.begin(), wanted.end(), lib.prefix) == wanted.end()) continue;
    lib.dir = std::string(lib32_dir);
    out.push_back(std::move(lib));
  }
  return out;
}

// The 32-bit libraries of a 5xx .run package (its 32/ directory) that are in the driver table.
std::vector<std::string_view> compat32_prefixes() {
  return {"libcuda.so",          "libnvidia-ml.so",        "libnvidia-ptxjitcompiler.so", "libnvidia-opencl.so",
          "libnvidia-encode.so", "libnvcuvid.so",          "libvdpau_nvidia.so",          "libGLX_nvidia.so",
          "libEGL_nvidia.so",    "libGLESv2_nvidia.so",    "libGLESv1_CM_nvidia.so",      "libnvidia-glcore.so",
          "libnvidia-eglcore.so", "libnvidia-glsi.so",     "libnvidia-tls.so",            "libnvidia-fbc.so",
          "libnvidia-allocator.so", "libnvidia-gpucomp.so", "libnvidia-glvkspirv.so"};
}

} // namespace nvrunc::mock
