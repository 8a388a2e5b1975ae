// Building a simulated node on disk: the only part of nvrunc_mock with side effects.
//
// Order matters: validate everything first (no side effect on bad input), then write
// mock-driver.json before anything else, so that a node left half-built by a failure can still be
// replaced with --force (a directory without that marker is never deleted).
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <system_error>
#include <vector>

#include "nvrunc/discover/driver_files.hpp"
#include "nvrunc/mock/assets.hpp"
#include "nvrunc/mock/mock_driver.hpp"
#include "nvrunc/mock/node_files.hpp"
#include "nvrunc/os/exec.hpp"
#include "nvrunc/os/file.hpp"

namespace nvrunc::mock {

namespace fs = std::filesystem;

namespace {

constexpr unsigned nvidia_major = 195;
constexpr const char* lib_dir = "/usr/lib/x86_64-linux-gnu";
// The driver binaries a node has (nv-fabricmanager only exists on NVSwitch systems).
constexpr const char* binaries[] = {"nvidia-smi", "nvidia-debugdump", "nvidia-persistenced",
                                    "nvidia-cuda-mps-control", "nvidia-cuda-mps-server"};

Result<void> make_dirs(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) return fail(Errc::io, "create `" + path + "`", ec.value());
  return {};
}

Result<void> write_file(const std::string& path, std::string_view content, mode_t mode = 0644) {
  if (auto dir = fs::path(path).parent_path().string(); !dir.empty()) {
    if (auto made = make_dirs(dir); !made) return made;
  }
  os::WriteOptions options;
  options.mode = mode;
  return os::write_file_atomic(path, content, options);
}

Result<void> make_symlink(const std::string& target, const std::string& link) {
  ::unlink(link.c_str());
  if (::symlink(target.c_str(), link.c_str()) != 0) return fail_errno("link `" + link + "` to `" + target + "`");
  return {};
}

Result<std::string> absolute_root(const std::string& root) {
  std::error_code ec;
  auto path = fs::absolute(root, ec);
  if (ec) return fail(Errc::invalid_argument, "resolve `" + root + "`", ec.value());
  std::string clean = os::clean_path(path.lexically_normal().string());
  if (clean == "/") return fail(Errc::invalid_argument, "check --root `" + root + "`: refusing to build a node at /");
  return clean;
}

Result<NodeFacts> plan_node(const NodeSpec& spec) {
  NodeFacts node;
  NVRUNC_TRY(root, absolute_root(spec.root));
  NVRUNC_TRY(devices, with_context(os::read_file(spec.host_proc_devices), "pick device majors"));
  NVRUNC_TRY(majors, pick_free_majors(devices));
  node.root = root;
  node.driver_version = spec.driver_version;
  node.cuda_version = spec.cuda_version;
  node.uvm_major = majors.first;
  node.caps_major = majors.second;
  node.gpus = plan_gpus(spec);
  return node;
}

// Leaves `root` an empty directory, removing an earlier node only when allowed.
Result<void> prepare_root(const std::string& root, bool force) {
  std::error_code ec;
  auto st = fs::status(root, ec);
  if (!fs::exists(st)) return make_dirs(root);
  if (!fs::is_directory(st)) return fail(Errc::invalid_argument, "create node `" + root + "`: not a directory");
  if (fs::is_empty(root, ec) && !ec) return {};
  if (!fs::is_regular_file(fs::symlink_status(root + "/mock-driver.json", ec)))
    return fail(Errc::invalid_argument, "create node `" + root +
                                            "`: directory is not empty and holds no simulated node "
                                            "(no mock-driver.json); choose an empty or new directory");
  if (!force)
    return fail(Errc::invalid_argument,
                "create node `" + root + "`: a simulated node is already there; pass --force to replace it");
  std::vector<fs::path> entries;
  for (const auto& entry : fs::directory_iterator(root, ec)) entries.push_back(entry.path());
  if (ec) return fail(Errc::io, "list `" + root + "`", ec.value());
  for (const auto& path : entries) {
    fs::remove_all(path, ec); // never follows symlinks
    if (ec) return fail(Errc::io, "remove `" + path.string() + "`", ec.value());
  }
  return {};
}

Result<void> make_dev_nodes(const NodeFacts& node) {
  const std::string dev = node.root + "/dev";
  if (auto made = make_dirs(dev); !made) return made;
  for (const auto& gpu : node.gpus) {
    auto made = os::make_char_device(dev + "/nvidia" + std::to_string(gpu.minor), nvidia_major, gpu.minor, 0666);
    if (!made) return made;
  }
  struct Node {
    const char* name;
    unsigned major, minor;
  };
  const Node others[] = {{"nvidiactl", nvidia_major, 255}, {"nvidia-modeset", nvidia_major, 254},
                         {"nvidia-uvm", node.uvm_major, 0}, {"nvidia-uvm-tools", node.uvm_major, 1}};
  for (const auto& n : others) {
    if (auto made = os::make_char_device(dev + "/" + n.name, n.major, n.minor, 0666); !made) return made;
  }
  return {};
}

Result<void> write_proc(const NodeFacts& node) {
  const std::string proc = node.root + "/proc";
  const std::string nv = proc + "/driver/nvidia";
  if (auto r = write_file(proc + "/devices", proc_devices(node), 0444); !r) return r;
  if (auto r = write_file(nv + "/version", proc_version(node), 0444); !r) return r;
  if (auto r = write_file(nv + "/params", proc_params(), 0444); !r) return r;
  if (auto r = write_file(nv + "/registry", proc_registry()); !r) return r;
  for (const auto& gpu : node.gpus) {
    auto r = write_file(nv + "/gpus/" + gpu.proc_bus_id() + "/information", proc_gpu_information(node, gpu), 0444);
    if (!r) return r;
  }
  return {};
}

// Writes lib….so.<V> with its SONAME and the development link lib….so -> SONAME.
Result<std::string> write_library(const NodeFacts& node, const discover::DriverLibrary& lib,
                                  std::string_view image) {
  const std::string prefix(lib.prefix);
  const std::string file = prefix + "." + node.driver_version;
  const std::string soname = lib.soname_suffix.empty() ? file : prefix + "." + std::string(lib.soname_suffix);
  NVRUNC_TRY(patched, patch_soname(image, soname));
  NVRUNC_TRY(check, read_soname(patched));
  if (check != soname) return fail(Errc::internal, "patch soname of `" + file + "`: reads back as `" + check + "`");
  const std::string dir = node.root + lib_dir;
  if (auto r = write_file(dir + "/" + file, patched, 0755); !r) return fail(std::move(r.error()));
  if (auto r = make_symlink(soname, dir + "/" + prefix); !r) return fail(std::move(r.error()));
  return file;
}

Result<std::vector<std::string>> write_libraries(const NodeFacts& node) {
  NVRUNC_TRY(driver, patch_description(asset_bytes(Asset::driver_library), library_description(node)));
  std::vector<std::string> files;
  for (const auto& lib : discover::driver_libraries()) {
    const bool functional = lib.prefix == "libnvidia-ml.so" || lib.prefix == "libcuda.so";
    auto image = functional ? std::string_view(driver) : asset_bytes(Asset::stub_library);
    NVRUNC_TRY(file, write_library(node, lib, image));
    files.push_back(std::move(file));
  }
  return files;
}

Result<void> write_binaries(const NodeFacts& node) {
  for (const char* name : binaries) {
    auto r = write_file(node.root + "/usr/bin/" + name, asset_bytes(Asset::smi_binary), 0755);
    if (!r) return r;
  }
  return {};
}

std::string pick_ldconfig(const NodeSpec& spec) {
  if (!spec.ldconfig.empty()) return spec.ldconfig;
  return os::resolve_host_ldconfig("/sbin/ldconfig");
}

// ld.so.conf as a Debian host has it, then the real ldconfig builds the cache and SONAME links.
Result<void> make_ld_cache(const NodeSpec& spec, const NodeFacts& node) {
  if (auto r = write_file(node.root + "/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n"); !r) return r;
  if (auto r = write_file(node.root + "/etc/ld.so.conf.d/nvidia.conf", std::string(lib_dir) + "\n"); !r) return r;
  return with_context(os::run_program({pick_ldconfig(spec), "-r", node.root}), "build `" + node.root + "/etc/ld.so.cache`");
}

NodeReport make_report(const NodeFacts& node, std::vector<std::string> libraries) {
  NodeReport report;
  report.root = node.root;
  report.config_path = node.root + "/config.toml";
  report.driver_version = node.driver_version;
  report.cuda_version = node.cuda_version;
  report.uvm_major = node.uvm_major;
  report.caps_major = node.caps_major;
  report.gpus = node.gpus;
  report.libraries = std::move(libraries);
  return report;
}

Result<NodeReport> build(const NodeSpec& spec, const NodeFacts& node) {
  if (auto r = prepare_root(node.root, spec.force); !r) return fail(std::move(r.error()));
  if (auto r = write_file(node.root + "/mock-driver.json", node_json(node)); !r) return fail(std::move(r.error()));
  if (auto r = make_dev_nodes(node); !r) return fail(std::move(r.error()));
  if (auto r = write_proc(node); !r) return fail(std::move(r.error()));
  NVRUNC_TRY(libraries, write_libraries(node));
  if (auto r = write_binaries(node); !r) return fail(std::move(r.error()));
  if (auto r = make_ld_cache(spec, node); !r) return fail(std::move(r.error()));
  if (auto r = write_file(node.root + "/config.toml", config_toml(node)); !r) return fail(std::move(r.error()));
  return make_report(node, std::move(libraries));
}

} // namespace

Result<NodeReport> build_node(const NodeSpec& spec) {
  if (auto valid = validate(spec); !valid) return fail(std::move(valid.error()));
  NVRUNC_TRY(node, plan_node(spec));
  if (::geteuid() != 0)
    return fail(Errc::invalid_argument, "create `" + node.root + "/dev/nvidia0`: need root to create device nodes");
  return build(spec, node);
}

} // namespace nvrunc::mock
