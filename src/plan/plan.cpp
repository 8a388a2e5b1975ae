#include "nvrunc/plan/plan.hpp"

namespace nvrunc::plan {

namespace {

using discover::DeviceNode;
using discover::Inventory;

// The env every hook gets: explicit and non-empty, so nothing is inherited from the container
// (runc runs createContainer hooks from a process that carries the container's env; CVE-2025-23266).
const std::vector<std::string> hook_env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "NVRUNC_HOOK=1"};

Result<edits::DeviceNode> node_edit(const DeviceNode& node, std::string reason) {
  if (!node.problem.empty()) return fail(Errc::driver_missing, node.problem);
  edits::DeviceNode e;
  e.path = node.path;
  e.host_path = node.path;
  e.type = node.type;
  e.major = node.major;
  e.minor = node.minor;
  e.file_mode = node.mode;
  e.uid = node.uid;
  e.gid = node.gid;
  e.reason = std::move(reason);
  return e;
}

Result<void> plan_nodes(const request::Request& req, const Inventory& inv, const Plan& plan,
                        std::vector<edits::DeviceNode>& out) {
  auto add = [&](const std::optional<DeviceNode>& node, std::string reason) -> Result<void> {
    if (!node) return {};
    NVRUNC_TRY(e, node_edit(*node, std::move(reason)));
    out.push_back(std::move(e));
    return {};
  };
  if (auto r = add(inv.nvidiactl, "driver control node (every GPU container)"); !r) return r;
  const auto libs = library_capabilities(req.capabilities);
  if (libs.has(Capability::compute)) {
    if (auto r = add(inv.uvm, "unified memory (capability compute)"); !r) return r;
    if (auto r = add(inv.uvm_tools, "unified memory tools (capability compute)"); !r) return r;
  }
  if (req.capabilities.has(Capability::display))
    if (auto r = add(inv.modeset, "mode setting (capability display)"); !r) return r;
  for (const auto* gpu : plan.gpus)
    if (auto r = add(gpu->node, "GPU " + std::to_string(gpu->index) + " " + gpu->uuid + " (" + req.source + ")"); !r)
      return r;
  return {};
}

edits::Mount read_only_mount(const std::string& host, const std::string& container, std::string reason) {
  return {host, container, "bind", edits::read_only_bind_options(), std::move(reason)};
}

// The hook's --link arguments for one library: the SONAME link and the ".so" development link.
void add_links(const discover::Library& lib, const std::string& dir, std::vector<std::string>& args) {
  const std::string file = lib.file_name();
  if (!lib.soname.empty() && lib.soname != file) args.insert(args.end(), {"--link", dir + "/" + lib.soname + "=" + file});
  const std::string& target = lib.soname.empty() ? file : lib.soname;
  if (lib.prefix != target) args.insert(args.end(), {"--link", dir + "/" + lib.prefix + "=" + target});
}

void plan_files(const request::Request& req, const Inventory& inv, const Target& target, const Options& options,
                edits::ContainerEdits& out) {
  const auto caps = library_capabilities(req.capabilities);
  std::vector<std::string> args = {"nvrunc-hook", "create-container", "--library-dir", target.library_dir};
  bool any = false;
  for (const auto& lib : inv.libraries) {
    if (!caps.has(lib.capability)) continue;
    out.mounts.push_back(read_only_mount(lib.host_path, target.library_dir + "/" + lib.file_name(),
                              std::string(capability_name(lib.capability)) + " library"));
    add_links(lib, target.library_dir, args);
    any = true;
  }
  for (const auto& bin : inv.binaries) {
    if (!req.capabilities.has(bin.capability)) continue;
    out.mounts.push_back(read_only_mount(bin.host_path, target.binary_dir + "/" + bin.name,
                              std::string(capability_name(bin.capability)) + " binary"));
  }
  if (!any) return;
  args.insert(args.end(), {"--ldconfig", options.ldconfig_path});
  out.hooks.push_back({"createContainer", options.hook_path, std::move(args), hook_env, std::nullopt,
                       "SONAME and .so links, and the container's ld cache, for the injected libraries"});
}

} // namespace

Capabilities library_capabilities(Capabilities requested) {
  Capabilities out = requested;
  if (requested.has(Capability::video)) out.add(Capability::compute);
  if (requested.has(Capability::display)) out.add(Capability::graphics);
  return out;
}

std::string library_dir_for(bool debian_like) {
#if defined(__aarch64__)
  return debian_like ? "/usr/lib/aarch64-linux-gnu" : "/usr/lib64";
#else
  return debian_like ? "/usr/lib/x86_64-linux-gnu" : "/usr/lib64";
#endif
}

Result<Plan> make_plan(const request::Request& req, const Inventory& inv, const Target& target, const Options& options) {
  Plan plan;
  if (!req.wants_driver()) return plan;
  if (!inv.driver_loaded())
    return fail(Errc::driver_missing, "GPUs requested (" + req.source +
                                          ") but no NVIDIA driver is loaded on this node (no /proc/driver/nvidia/version)");
  NVRUNC_TRY(gpus, select_gpus(req, inv));
  plan.gpus = std::move(gpus);
  if (auto r = plan_nodes(req, inv, plan, plan.edits.device_nodes); !r) return fail(std::move(r.error()));
  plan_files(req, inv, target, options, plan.edits);
  return plan;
}

} // namespace nvrunc::plan
