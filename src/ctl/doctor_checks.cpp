// nvrunc-ctl doctor: checks of the node itself (doctor_checks.hpp).
#include "doctor_checks.hpp"

#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <filesystem>

#include "nvrunc/common/strings.hpp"
#include "nvrunc/discover/snapshot.hpp"
#include "nvrunc/engine/command.hpp"
#include "nvrunc/os/exec.hpp"
#include "nvrunc/os/file.hpp"
#include "nvrunc/runtime/cdi.hpp"
#include "nvrunc/runtime/shim.hpp"

namespace nvrunc::ctl::doctor {

namespace {

namespace fs = std::filesystem;

std::string dir_of(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

Row config_row(Node& node) {
  auto config = config::load();
  if (!config)
    return {"configuration", Status::fail, config.error().what(), "fix the file named above (see config/config.toml)"};
  node.config = std::move(*config);
  return {"configuration", Status::pass, node.config->source, ""};
}

Row driver_row(Node& node) {
  discover::HostFs hostfs(runtime::host_roots(*node.config));
  auto inv = discover::discover(hostfs, runtime::discover_options(*node.config));
  if (!inv) return {"driver", Status::fail, inv.error().what(), ""};
  node.inventory = std::move(*inv);
  const auto& i = *node.inventory;
  const std::string proc = node.config->proc_root;
  if (!i.driver_loaded())
    return {"driver", Status::fail, "no NVIDIA kernel driver (" + proc + "/driver/nvidia/version is missing)",
            "install the NVIDIA driver and load it (modprobe nvidia)"};
  if (i.gpus.empty())
    return {"driver", Status::fail, i.driver_version + ", but no GPU under " + proc + "/driver/nvidia/gpus",
            "check `dmesg` for NVRM errors"};
  std::string detail = i.driver_version + ", " + std::to_string(i.gpus.size()) + " GPU" + (i.gpus.size() > 1 ? "s" : "") +
                       " (" + i.gpus.front().model + "), " + std::to_string(i.libraries.size()) + " libraries";
  return {"driver", Status::pass, detail, ""};
}

// The snapshot the shim would use, checked against the fresh discovery above: they must agree.
// Taking it here also refreshes it, so the next create starts from a saved snapshot.
Row snapshot_row(const Node& node) {
  const std::string what = "inventory snapshot";
  if (node.config->cache_dir.empty()) return {what, Status::skip, "off (cache-dir = \"\"): every create discovers", ""};
  auto cached = discover::discover_cached(runtime::host_roots(*node.config), runtime::discover_options(*node.config),
                                          {node.config->cache_dir});
  if (!cached) return {what, Status::fail, cached.error().what(), ""};
  const auto encoded = [](const discover::Inventory& i) { return discover::encode_snapshot({"", 0, i, {}}); };
  if (encoded(cached->inventory) != encoded(*node.inventory))
    return {what, Status::fail, cached->path + " disagrees with a fresh discovery", "rm " + cached->path};
  const std::string use(discover::cache_use_name(cached->use));
  if (cached->use == discover::CacheUse::untrusted)
    return {what, Status::warn, "not used: " + cached->note,
            "make " + node.config->cache_dir + " a directory of this user's, mode 0700, in a parent only root or "
            "this user can change (or set cache-dir)"};
  return {what, Status::pass, cached->path + " (" + use + (cached->note.empty() ? "" : ": " + cached->note) + ")", ""};
}

std::vector<const discover::DeviceNode*> core_nodes(const discover::Inventory& i) {
  std::vector<const discover::DeviceNode*> out;
  for (const auto& g : i.gpus) out.push_back(&g.node);
  for (const auto* n : {&i.nvidiactl, &i.uvm, &i.uvm_tools})
    if (*n) out.push_back(&**n);
  return out;
}

Row nodes_row(const Node& node) {
  std::vector<std::string> missing, broken;
  for (const auto* n : core_nodes(*node.inventory)) {
    if (!n->problem.empty()) broken.push_back(n->path + ": " + n->problem);
    else if (!n->on_host) missing.push_back(n->path);
  }
  const std::string root = node.config->effective_dev_root();
  if (!broken.empty()) return {"device nodes", Status::fail, join(broken, "; "), "recreate them: nvidia-modprobe -c 0 -u"};
  if (!missing.empty())
    return {"device nodes", Status::warn, "missing under " + root + ": " + join(missing, ", ") + " (runc creates them in "
            "containers, but the host's own tools need them)", "nvidia-modprobe -c 0 -u (or run nvidia-smi once as root)"};
  return {"device nodes", Status::pass, std::to_string(core_nodes(*node.inventory).size()) + " nodes under " + root + "/dev", ""};
}

// /dev/char/M:m -> ../nvidia0, as udev makes them: systemd resolves runc's DeviceAllow= entries
// through these links, and without them a `systemctl daemon-reload` takes GPUs away from running
// containers (toolkit issue "Failed to initialize NVML: Unknown Error").
Row char_links_row(const Options& o, const Node& node) {
  const std::string dev = os::join_root(node.config->effective_dev_root(), "/dev");
  std::vector<std::string> missing, made, errors;
  for (const auto* n : core_nodes(*node.inventory)) {
    if (!n->on_host) continue;
    const std::string link = dev + "/char/" + std::to_string(n->major) + ":" + std::to_string(n->minor);
    struct stat st{};
    if (::stat(link.c_str(), &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == n->major && minor(st.st_rdev) == n->minor)
      continue;
    if (!o.fix) {
      missing.push_back(std::to_string(n->major) + ":" + std::to_string(n->minor));
      continue;
    }
    std::error_code ec;
    fs::create_directories(dev + "/char", ec);
    fs::remove(link, ec);
    fs::create_symlink(".." + n->path.substr(4), link, ec);
    if (ec) errors.push_back("create `" + link + "`: " + ec.message());
    else made.push_back(link + " -> .." + n->path.substr(4));
  }
  if (!errors.empty()) return {"/dev/char links", Status::fail, join(errors, "; "), "run as root"};
  if (!made.empty()) return {"/dev/char links", Status::pass, "created " + join(made, ", "), ""};
  if (!missing.empty())
    return {"/dev/char links", Status::warn, "missing in " + dev + "/char: " + join(missing, " ") + " (with the systemd "
            "cgroup driver, a daemon-reload would take the GPUs away from running containers)", "nvrunc-ctl doctor --fix"};
  return {"/dev/char links", Status::pass, "present for every node", ""};
}

Row runtime_row(const Node& node) {
  auto rt = runtime::find_low_level_runtime(node.config->runtimes);
  if (!rt) return {"low-level runtime", Status::fail, rt.error().what(), "apt install runc"};
  auto version = engine::run_command({*rt, "--version"}, 10000);
  std::string v = version && version->exit_code == 0 ? engine::first_line(version->out) : "";
  return {"low-level runtime", Status::pass, *rt + (v.empty() ? "" : " (" + v + ")"), ""};
}

Row binaries_row(const Node& node) {
  const std::string hook = hook_for(*node.config, node.nvrunc);
  std::vector<std::string> missing;
  for (const auto& p : {node.nvrunc, hook})
    if (!os::is_executable_file(p)) missing.push_back(p);
  if (!missing.empty())
    return {"nvrunc binaries", Status::fail, "not executable: " + join(missing, ", "),
            "install nvrunc (the .deb, or the node installer), or pass --binary"};
  return {"nvrunc binaries", Status::pass, node.nvrunc + ", " + hook, ""};
}

Row cgroup_row() {
  const bool v2 = os::path_exists("/sys/fs/cgroup/cgroup.controllers");
  const bool systemd = os::path_exists("/run/systemd/system");
  std::string detail = std::string(v2 ? "cgroup v2" : "cgroup v1") + "; init: " + (systemd ? "systemd" : "not systemd");
  detail += systemd ? " (engines and the kubelet should use the systemd cgroup driver: SystemdCgroup = true)"
                    : " (cgroupfs driver)";
  return {"cgroups", Status::pass, detail, ""};
}

Row policy_row(const Node& node) {
  const auto& c = *node.config;
  const std::string file = c.source == "built-in defaults" ? "/etc/nvrunc/config.toml" : c.source;
  if (c.accept_envvar_unprivileged)
    return {"request policy", Status::warn,
            "accept-nvidia-visible-devices-envvar-when-unprivileged = true: any container can get every GPU through "
            "NVIDIA_VISIBLE_DEVICES (CUDA images set it to `all`)",
            "on a cluster, set it to false in " + file +
                " and let the device plugin request GPUs with volume mounts "
                "(accept-nvidia-visible-devices-as-volume-mounts = true) or CDI"};
  if (!c.accept_volume_mounts)
    return {"request policy", Status::warn, "unprivileged containers can request no GPU at all (env requests refused, "
            "volume-mount requests off)", "set accept-nvidia-visible-devices-as-volume-mounts = true in " + file};
  return {"request policy", Status::pass, "env requests only from privileged containers; volume-mount requests on", ""};
}

// nvrunc injects from live discovery and needs no CDI spec; a spec in the spec directories (used by
// CDI requests and by the engines' own CDI injection) must still match the host, or containers get
// libraries of another driver. Checked exactly as the shim checks the specs it uses.
Row cdi_row(const Node& node) {
  if (!node.inventory || !node.inventory->driver_loaded()) return {"CDI specs", Status::skip, "no driver", ""};
  std::vector<std::string> fresh, problems, fixes;
  for (const auto& c : runtime::check_spec_dirs(*node.config, *node.inventory)) {
    if (c.problem.empty()) {
      fresh.push_back(c.path + " (" + c.kind + ")");
      continue;
    }
    problems.push_back((c.path.empty() ? std::string("spec directories") : c.path) + ": " + c.problem);
    fixes.push_back(c.ours ? "nvrunc-ctl cdi generate -o " + c.path + " (after each driver change)"
                           : "regenerate or remove " + (c.path.empty() ? std::string("it") : c.path));
  }
  if (!problems.empty()) return {"CDI specs", Status::warn, join(problems, "; "), join(fixes, "; ")};
  if (fresh.empty())
    return {"CDI specs", Status::pass, "none in " + join(node.config->cdi_spec_dirs, ", ") +
            " (nvrunc injects from live discovery; CDI requests and an engine's own CDI injection need one: "
            "nvrunc-ctl cdi generate)", ""};
  return {"CDI specs", Status::pass, "match this node: " + join(fresh, ", "), ""};
}

} // namespace

std::string_view status_name(Status s) {
  switch (s) {
  case Status::pass: return "pass";
  case Status::warn: return "warn";
  case Status::fail: return "FAIL";
  case Status::skip: return "skip";
  }
  return "?";
}

std::string default_nvrunc() {
  const std::string self = os::self_executable();
  if (!self.empty()) {
    const std::string sibling = dir_of(self) + "/nvrunc";
    if (os::is_executable_file(sibling)) return sibling;
  }
  return "/usr/bin/nvrunc";
}

std::string hook_for(const config::Config& config, const std::string& nvrunc) {
  if (!config.hook_path.empty()) return config.hook_path;
  const std::string beside = dir_of(nvrunc) + "/nvrunc-hook";
  return os::is_executable_file(beside) ? beside : "/usr/bin/nvrunc-hook";
}

std::vector<Row> check_node(const Options& o, Node& node) {
  std::vector<Row> rows{config_row(node)};
  if (!node.config) return rows;
  rows.push_back(driver_row(node));
  if (node.inventory && node.inventory->driver_loaded()) {
    rows.push_back(snapshot_row(node));
    rows.push_back(nodes_row(node));
    rows.push_back(char_links_row(o, node));
  }
  rows.push_back(runtime_row(node));
  rows.push_back(binaries_row(node));
  rows.push_back(cgroup_row());
  rows.push_back(policy_row(node));
  rows.push_back(cdi_row(node));
  return rows;
}

} // namespace nvrunc::ctl::doctor
