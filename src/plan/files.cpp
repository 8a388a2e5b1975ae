// Bind mounts of host driver files, and the createContainer hook that links and indexes them.
#include "internal.hpp"
#include "nvrunc/common/strings.hpp"

namespace nvrunc::plan::detail {

namespace {

using discover::Library;

// The env every hook gets: explicit and non-empty, so nothing is inherited from the container
// (runc runs createContainer hooks from a process that carries the container's env; CVE-2025-23266).
const std::vector<std::string> hook_env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "NVRUNC_HOOK=1"};

// IPC endpoints are written to by the container: bound read-write, but never executable.
const std::vector<std::string> ipc_options = {"nosuid", "nodev", "noexec", "rbind", "rprivate"};

struct Files {
  edits::ContainerEdits& out;
  std::vector<std::string> args; // the hook's, after the fixed part

  void mount(const std::string& host, std::string container, std::string reason,
             std::vector<std::string> options = edits::read_only_bind_options()) {
    out.mounts.push_back({host, std::move(container), "bind", std::move(options), std::move(reason)});
  }
  // `--link PATH=TARGET`, given in pieces (one allocation for the argument).
  void link(std::initializer_list<std::string_view> pieces) {
    args.emplace_back("--link");
    args.push_back(concat(pieces));
  }
};

// The SONAME link and the ".so" development link of one injected library.
void link_library(Files& f, const Library& lib, const std::string& dir) {
  const std::string_view file = lib.file_name();
  if (!lib.soname.empty() && lib.soname != file) f.link({dir, "/", lib.soname, "=", file});
  const std::string_view target = lib.soname.empty() ? file : std::string_view(lib.soname);
  if (lib.prefix != target) f.link({dir, "/", lib.prefix, "=", target});
}

// Links libnvidia-container adds besides the SONAME ones (reference §5.3, toolkit §2.3).
void graphics_links(Files& f, const std::vector<Library>& libs, const std::string& dir) {
  for (const auto& lib : libs) {
    if (lib.prefix == "libGLX_nvidia.so") f.link({dir, "/libGLX_indirect.so.0=", lib.file_name()});
    if (lib.prefix == "libnvidia-allocator.so" && !lib.soname.empty())
      f.link({dir, "/gbm/nvidia-drm_gbm.so=../", lib.soname});
  }
}

// libnvidia-allocator is a compute library that the GBM backend of graphics needs too (the toolkit
// links gbm/nvidia-drm_gbm.so to it).
bool wanted(const Library& lib, Capabilities caps) {
  return caps.has(lib.capability) || (lib.prefix == "libnvidia-allocator.so" && caps.has(Capability::graphics));
}

bool mount_libraries(Files& f, const std::vector<Library>& libs, Capabilities caps, const std::string& dir,
                     const char* what) {
  bool any = false;
  for (const auto& lib : libs) {
    if (!wanted(lib, caps)) continue;
    f.mount(lib.host_path, concat({dir, "/", lib.file_name()}), concat({capability_name(lib.capability), what}));
    link_library(f, lib, dir);
    any = true;
  }
  return any;
}

void mount_host_files(Files& f, const std::vector<discover::HostFile>& files, Capabilities caps, bool gated,
                      const std::vector<std::string>& options = edits::read_only_bind_options()) {
  for (const auto& file : files)
    if (!gated || caps.has(file.capability)) f.mount(file.host_path, file.container_path, file.what, options);
}

void drm_links(Files& f, const Plan& plan) {
  for (const auto* gpu : plan.gpus) {
    const std::string bus = gpu->bus_id.starts_with("0000") ? gpu->bus_id.substr(4) : gpu->bus_id;
    for (const auto& n : gpu->drm) {
      const std::string name = n.path.substr(n.path.rfind('/') + 1);
      const bool card = name.starts_with("card");
      f.link({"/dev/dri/by-path/pci-", bus, card ? "-card=../" : "-render=../", name});
    }
  }
}

} // namespace

void plan_files(const request::Request& req, const discover::Inventory& inv, const Plan& plan, const Target& target,
                const Options& options, edits::ContainerEdits& out) {
  Files f{out, {}};
  // Sized once: a node brings some sixty mounts and twice as many link arguments, and growing the
  // vectors step by step copies them all several times over.
  const size_t libraries = inv.libraries.size() + inv.libraries32.size();
  out.mounts.reserve(out.mounts.size() + libraries + inv.binaries.size() + inv.ipc.size() + inv.firmware.size() +
                     inv.graphics_files.size() + inv.xorg_modules.size());
  f.args.reserve(4 * libraries + 2 * plan.gpus.size() * 2 + 4);
  const auto caps = library_capabilities(req.capabilities);
  const bool graphics = caps.has(Capability::graphics);
  const bool libs = mount_libraries(f, inv.libraries, caps, target.library_dir, " library");
  const bool libs32 = req.capabilities.has(Capability::compat32) && !target.library_dir32.empty() &&
                      mount_libraries(f, inv.libraries32, caps, target.library_dir32, " library (32-bit)");
  if (graphics) graphics_links(f, inv.libraries, target.library_dir);
  for (const auto& bin : inv.binaries)
    if (req.capabilities.has(bin.capability))
      f.mount(bin.host_path, concat({target.binary_dir, "/", bin.name}), concat({capability_name(bin.capability), " binary"}));
  mount_host_files(f, inv.ipc, req.capabilities, true, ipc_options);
  mount_host_files(f, inv.firmware, caps, false);
  if (graphics) {
    mount_host_files(f, inv.graphics_files, caps, true);
    mount_host_files(f, inv.xorg_modules, caps, true);
    drm_links(f, plan);
  }
  std::vector<std::string> args;
  args.reserve(f.args.size() + 12);
  args.insert(args.end(), {"nvrunc-hook", "create-container"});
  // The forward-compatibility directory first: its newer libcuda must win in the ld cache.
  if (libs && caps.has(Capability::compute) && !target.compat_dir.empty())
    args.insert(args.end(), {"--library-dir", target.compat_dir});
  if (libs) args.insert(args.end(), {"--library-dir", target.library_dir});
  if (libs32) args.insert(args.end(), {"--library-dir", target.library_dir32});
  args.insert(args.end(), std::make_move_iterator(f.args.begin()), std::make_move_iterator(f.args.end()));
  args.push_back("--mask-params");
  if (libs || libs32) args.insert(args.end(), {"--ldconfig", options.ldconfig_path});
  else args.push_back("--no-ldconfig");
  out.hooks.push_back({"createContainer", options.hook_path, std::move(args), hook_env, std::nullopt,
                       "links, ld cache and a params file that stops the driver changing device nodes"});
}

} // namespace nvrunc::plan::detail
