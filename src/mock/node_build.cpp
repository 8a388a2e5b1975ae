// Building a simulated node on disk: the only part of nvrunc_mock with side effects.
//
// Order matters: validate everything first (no side effect on bad input), then write
// mock-driver.json before anything else, so that a node left half-built by a failure can still be
// replaced with --force (a directory without that marker is never deleted).
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <filesystem>
#include <system_error>
#include <vector>

#include "node_libraries.hpp"
#include "nvrunc/os/build.hpp"
#include "nvrunc/mock/assets.hpp"
#include "nvrunc/mock/mock_driver.hpp"
#include "nvrunc/mock/node_files.hpp"
#include "nvrunc/mock/node_layout.hpp"
#include "nvrunc/os/exec.hpp"
#include "nvrunc/os/file.hpp"

namespace nvrunc::mock {

namespace fs = std::filesystem;
using os::make_dirs;
using os::write_new_file;

namespace {

Result<std::string> absolute_root(const std::string& root) {
  std::error_code ec;
  auto path = fs::absolute(root, ec);
  if (ec) return fail(Errc::invalid_argument, "resolve `" + root + "`", ec.value());
  std::string clean = os::clean_path(path.lexically_normal().string());
  if (clean == "/") return fail(Errc::invalid_argument, "check --root `" + root + "`: refusing to build a node at /");
  return clean;
}

// The host's /proc/misc matters only for MOFED's rdma_cm; a host without the file has no misc minors.
std::string read_host_misc(const NodeSpec& spec) {
  if (!spec.features.mofed) return "";
  auto text = os::read_file(spec.host_proc_misc);
  return text ? *text : "";
}

Result<NodeFacts> plan_node(const NodeSpec& spec) {
  NodeFacts node;
  NVRUNC_TRY(root, absolute_root(spec.root));
  NVRUNC_TRY(devices, with_context(os::read_file(spec.host_proc_devices), "pick device majors"));
  NVRUNC_TRY(gpus, plan_node_gpus(spec));
  node.root = root;
  node.driver_version = spec.driver_version;
  node.cuda_version = spec.cuda_version;
  node.gpus = std::move(gpus);
  node.features = spec.features;
  if (auto numbered = assign_numbers(node, devices, read_host_misc(spec)); !numbered)
    return fail(std::move(numbered.error()));
  node.video_gid = os::host_group("video").value_or(44);
  node.render_gid = os::host_group("render").value_or(node.video_gid);
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

Result<void> write_proc(const NodeFacts& node) {
  const std::string proc = node.root + "/proc";
  const std::string nv = proc + "/driver/nvidia";
  if (auto r = write_new_file(proc + "/devices", proc_devices(node), 0444); !r) return r;
  if (auto r = write_new_file(nv + "/version", proc_version(node), 0444); !r) return r;
  if (auto r = write_new_file(nv + "/params", proc_params(), 0444); !r) return r;
  if (auto r = write_new_file(nv + "/registry", proc_registry()); !r) return r;
  for (const auto& gpu : node.gpus) {
    auto r = write_new_file(nv + "/gpus/" + gpu.proc_bus_id() + "/information", proc_gpu_information(node, gpu), 0444);
    if (!r) return r;
  }
  return {};
}

Result<void> write_layout(const NodeFacts& node, const NodeLayout& layout) {
  const std::string& root = node.root;
  for (const auto& d : layout.devices)
    if (auto r = os::make_char_node(root + d.path, d.major, d.minor, d.mode, d.gid); !r) return r;
  for (const auto& f : layout.files)
    if (auto r = write_new_file(root + f.path, f.content, f.mode); !r) return r;
  for (const auto& dir : layout.dirs)
    if (auto r = make_dirs(root + dir); !r) return r;
  for (const auto& socket : layout.sockets)
    if (auto r = os::make_socket_file(root + socket, 0777); !r) return r;
  for (const auto& link : layout.links)
    if (auto r = os::make_symlink(link.target, root + link.path); !r) return r;
  return {};
}

Result<void> write_binaries(const NodeFacts& node) {
  for (const auto& name : node_binaries(node)) {
    auto r = write_new_file(node.root + "/usr/bin/" + name, asset_bytes(Asset::smi_binary), 0755);
    if (!r) return r;
  }
  return {};
}

std::string pick_ldconfig(const NodeSpec& spec) {
  if (!spec.ldconfig.empty()) return spec.ldconfig;
  return os::resolve_host_ldconfig("/sbin/ldconfig");
}

// ld.so.conf as a Debian host has it (i386 through its multiarch file), then the real ldconfig
// builds the cache and the SONAME links.
Result<void> make_ld_cache(const NodeSpec& spec, const NodeFacts& node) {
  const std::string conf = node.root + "/etc/ld.so.conf";
  if (auto r = write_new_file(conf, "include /etc/ld.so.conf.d/*.conf\n"); !r) return r;
  if (auto r = write_new_file(conf + ".d/nvidia.conf", std::string(lib_dir) + "\n"); !r) return r;
  if (node.features.compat32) {
    auto r = write_new_file(conf + ".d/i386-linux-gnu.conf", "# Multiarch support\n" + std::string(lib32_dir) + "\n");
    if (!r) return r;
  }
  auto built = os::capture_program({pick_ldconfig(spec), "-r", node.root}, {}, 1 << 20, std::chrono::minutes(2));
  return with_context(built.map([](auto&&) {}), "build `" + node.root + "/etc/ld.so.cache`");
}

NodeReport make_report(const NodeFacts& node, std::vector<std::string> libraries, std::vector<std::string> libraries32) {
  NodeReport report;
  report.root = node.root;
  report.config_path = node.root + "/config.toml";
  report.driver_version = node.driver_version;
  report.cuda_version = node.cuda_version;
  report.uvm_major = node.uvm_major;
  report.caps_major = node.caps_major;
  report.gpus = node.gpus;
  report.libraries = std::move(libraries);
  report.libraries32 = std::move(libraries32);
  report.features = node.features;
  return report;
}

Result<NodeReport> build(const NodeSpec& spec, const NodeFacts& node) {
  if (auto r = prepare_root(node.root, spec.force); !r) return fail(std::move(r.error()));
  if (auto r = write_new_file(node.root + "/mock-driver.json", node_json(node)); !r) return fail(std::move(r.error()));
  if (auto r = make_dirs(node.root + "/dev"); !r) return fail(std::move(r.error()));
  if (auto r = write_layout(node, plan_layout(node)); !r) return fail(std::move(r.error()));
  if (auto r = write_proc(node); !r) return fail(std::move(r.error()));
  NVRUNC_TRY(libraries, detail::write_native_libraries(node));
  NVRUNC_TRY(libraries32, detail::write_compat32_libraries(node));
  if (auto r = write_binaries(node); !r) return fail(std::move(r.error()));
  if (auto r = make_ld_cache(spec, node); !r) return fail(std::move(r.error()));
  if (::mkdir((node.root + "/nvrunc-cache").c_str(), 0700) != 0 && errno != EEXIST) // its snapshot (cache-dir)
    return fail(Errc::io, "create `" + node.root + "/nvrunc-cache`", errno);
  if (auto r = write_new_file(node.root + "/config.toml", config_toml(node)); !r) return fail(std::move(r.error()));
  return make_report(node, std::move(libraries), std::move(libraries32));
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
