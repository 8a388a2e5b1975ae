// nvrunc-ctl doctor: the end-to-end check. A throwaway bundle (the low-level runtime's own `spec`,
// a rootfs of busybox plus the host's glibc, like test/integration/lib.sh's make_rootfs) is started
// with `nvrunc run` asking for GPU 0; the container must see GPU 0's node and, when the driver has
// nvidia-smi, list GPU 0's UUID. The environment passes through, so NVRUNC_CONFIG (a simulated
// node) reaches nvrunc. The bundle is kept when the check fails, for `nvrunc-ctl explain`.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "doctor_checks.hpp"
#include "nvrunc/engine/command.hpp"
#include "nvrunc/os/exec.hpp"
#include "nvrunc/runtime/shim.hpp"

namespace nvrunc::ctl::doctor {

namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

constexpr const char* label = "test container";

std::string search_path() {
  const char* p = std::getenv("PATH");
  return std::string(p && *p ? p : "") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

// busybox and the host's C library: enough for sh, ls and a dynamically linked nvidia-smi.
Result<void> make_rootfs(const std::string& root, const std::string& busybox) {
  std::error_code ec;
  for (const char* d : {"bin", "dev", "proc", "sys", "tmp", "etc", "lib64", "usr/bin", "usr/lib/x86_64-linux-gnu",
                        "lib/x86_64-linux-gnu", "lib/aarch64-linux-gnu"})
    fs::create_directories(root + "/" + d, ec);
  fs::copy_file(busybox, root + "/bin/busybox", fs::copy_options::overwrite_existing, ec);
  if (ec) return fail(Errc::io, "copy `" + busybox + "`: " + ec.message());
  for (const char* applet : {"sh", "ls", "cat"}) fs::create_symlink("busybox", root + "/bin/" + applet, ec);
  for (const char* lib : {"/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1"})
    if (fs::exists(lib)) fs::copy_file(lib, root + lib, fs::copy_options::overwrite_existing, ec);
  for (const char* dir : {"/lib/x86_64-linux-gnu/", "/lib/aarch64-linux-gnu/"})
    for (const char* f : {"libc.so.6", "libm.so.6", "libdl.so.2", "libpthread.so.0", "librt.so.1", "libgcc_s.so.1"})
      if (fs::exists(std::string(dir) + f))
        fs::copy_file(std::string(dir) + f, root + dir + f, fs::copy_options::overwrite_existing, ec);
  std::ofstream(root + "/etc/debian_version") << "12.0\n";
  std::ofstream(root + "/etc/passwd") << "root:x:0:0:root:/root:/bin/sh\n";
  return {};
}

// The runtime's default spec, running `script` with GPU 0 requested.
Result<void> make_spec(const std::string& bundle, const std::string& runtime, const std::string& script) {
  auto r = engine::run_command({runtime, "spec", "--bundle", bundle}, 10000);
  if (!r || r->exit_code != 0)
    return fail(Errc::io, "`" + runtime + " spec` failed: " + (r ? engine::first_line(r->err) : r.error().what()));
  Json spec;
  try {
    std::ifstream in(bundle + "/config.json");
    spec = Json::parse(in);
    spec["process"]["terminal"] = false;
    spec["process"]["args"] = {"sh", "-c", script};
    spec["process"]["env"] = {"PATH=/usr/bin:/bin", "NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=utility"};
  } catch (const std::exception& e) {
    return fail(Errc::bad_spec, "read `" + bundle + "/config.json`: " + e.what());
  }
  std::ofstream(bundle + "/config.json") << spec.dump(2) << "\n";
  return {};
}

std::string skip_reason(const Options& o, const Node& node, std::string& busybox) {
  if (o.no_container) return "--no-container";
  if (::geteuid() != 0) return "needs root (runc creates namespaces and device nodes)";
  if (!node.inventory || node.inventory->gpus.empty()) return "no GPU";
  busybox = os::find_executable("busybox", search_path());
  if (busybox.empty()) return "no busybox to make a root filesystem from (apt install busybox-static)";
  return "";
}

} // namespace

Row check_test_container(const Options& o, const Node& node) {
  std::string busybox;
  if (auto why = skip_reason(o, node, busybox); !why.empty()) return {label, Status::skip, why, ""};
  auto runtime = runtime::find_low_level_runtime(node.config->runtimes);
  if (!runtime) return {label, Status::skip, "no low-level runtime", ""};
  const auto& gpu = node.inventory->gpus.front();
  const bool smi = std::any_of(node.inventory->binaries.begin(), node.inventory->binaries.end(),
                               [](const discover::Binary& b) { return b.name == "nvidia-smi"; });
  const std::string dev = "/dev/nvidia" + std::to_string(gpu.minor);
  const std::string script = "ls " + dev + (smi ? " && nvidia-smi -L" : "");

  std::string tmpl = "/tmp/nvrunc-doctor-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) return {label, Status::fail, "create a temporary directory in /tmp", ""};
  const std::string dir = tmpl, bundle = dir + "/bundle";
  auto keep = [&](std::string detail) {
    return Row{label, Status::fail, detail + " (bundle kept in " + bundle + ")",
               "nvrunc-ctl explain --bundle " + bundle + " shows what nvrunc does with it"};
  };
  if (auto made = make_rootfs(bundle + "/rootfs", busybox); !made) return keep(made.error().what());
  if (auto spec = make_spec(bundle, *runtime, script); !spec) return keep(spec.error().what());

  const auto start = std::chrono::steady_clock::now();
  const std::string id = "nvrunc-doctor-" + std::to_string(::getpid());
  auto r = engine::run_command({node.nvrunc, "--root", dir + "/state", "run", "--bundle", bundle, id}, 60000);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  if (!r) return keep(r.error().what());
  if (r->timed_out) {
    (void)engine::run_command({*runtime, "--root", dir + "/state", "delete", "-f", id}, 10000);
    return keep("`nvrunc run` did not finish within 60 s");
  }
  const std::string output = r->out + r->err;
  if (r->exit_code != 0) return keep("exit status " + std::to_string(r->exit_code) + ": " + engine::first_line(r->err.empty() ? r->out : r->err));
  if (output.find(dev) == std::string::npos) return keep(dev + " is not in the container: " + engine::first_line(output));
  if (smi && output.find(gpu.uuid) == std::string::npos)
    return keep("nvidia-smi -L in the container does not list " + gpu.uuid + ": " + engine::first_line(output));
  std::error_code ec;
  fs::remove_all(dir, ec);
  return {label, Status::pass,
          "a container started by " + node.nvrunc + " -> " + *runtime + " saw " + dev +
              (smi ? " and nvidia-smi listed " + gpu.uuid : std::string()) + " (" + std::to_string(ms) + " ms)",
          ""};
}

} // namespace nvrunc::ctl::doctor
