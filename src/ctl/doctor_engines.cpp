// nvrunc-ctl doctor: does each installed engine have the runtime handler, pointing at nvrunc?
// containerd is asked itself (`containerd config dump`) when it is installed; otherwise, and for
// CRI-O and Docker, the engine module merges the files the way the engine does.
#include <algorithm>
#include <cstdlib>

#include "doctor_checks.hpp"
#include "nvrunc/common/strings.hpp"
#include "nvrunc/engine/files.hpp"
#include "nvrunc/os/exec.hpp"
#include "nvrunc/os/file.hpp"

namespace nvrunc::ctl::doctor {

namespace {

struct EngineSpec {
  engine::Engine engine;
  const char* daemon; // the program that says it is installed
  engine::EnginePaths paths;
};

std::string search_path() {
  const char* p = std::getenv("PATH");
  return std::string(p && *p ? p : "") + ":/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
}

std::string configure_hint(const EngineSpec& s) {
  std::string cmd = "nvrunc-ctl runtime configure --runtime " + std::string(engine::engine_name(s.engine)) + " --config " +
                    s.paths.config;
  if (s.engine == engine::Engine::crio) cmd += " --drop-in " + s.paths.drop_in;
  return cmd;
}

Row engine_row(const Options& o, const Node& node, const EngineSpec& s) {
  const std::string label = std::string(engine::engine_name(s.engine));
  std::string how = "its files";
  Result<engine::HandlerStatus> status = fail(Errc::internal, "unset");
  const std::string containerd = os::find_executable(o.containerd, search_path());
  if (s.engine == engine::Engine::containerd && !containerd.empty() && os::path_exists(s.paths.config)) {
    how = "containerd config dump";
    status = engine::dump_containerd(containerd, s.paths.config, o.name);
  } else {
    status = engine::read_handler_status(s.engine, s.paths, o.name);
  }
  if (!status) return {label, Status::fail, status.error().what(), "fix it, then: " + configure_hint(s)};
  const auto& h = *status;
  if (h.cri_disabled)
    return {label, Status::fail, "the CRI plugin is disabled (disabled_plugins in " + s.paths.config + ")",
            "remove it from disabled_plugins, then: " + configure_hint(s)};
  if (!h.present)
    return {label, Status::fail, "no `" + o.name + "` runtime handler (read: " + join(h.sources, ", ") + ")",
            configure_hint(s)};
  const std::string where = "handler `" + o.name + "` runs " + h.binary + "; default runtime: " +
                            (h.default_runtime.empty() ? "(the engine's own)" : h.default_runtime) + " (from " + how + ")";
  if (!os::is_executable_file(h.binary))
    return {label, Status::fail, where + ": not an executable file", configure_hint(s) + " --binary " + node.nvrunc};
  if (!os::same_file(h.binary, node.nvrunc))
    return {label, Status::warn, where + ", not the nvrunc checked here (" + node.nvrunc + ")",
            configure_hint(s) + " --binary " + node.nvrunc + ", or doctor --binary " + h.binary};
  if (h.systemd_cgroup.value_or(false) != h.runc_systemd_cgroup.value_or(h.systemd_cgroup.value_or(false)))
    return {label, Status::warn, where + "; SystemdCgroup differs from the runc handler's",
            "set the same SystemdCgroup in both handlers' options (it must match the kubelet's cgroupDriver)"};
  return {label, Status::pass, where, ""};
}

} // namespace

std::vector<Row> check_engines(const Options& o, const Node& node) {
  const EngineSpec specs[] = {
      {engine::Engine::containerd, "containerd", {o.containerd_config, ""}},
      {engine::Engine::crio, "crio", {o.crio_config, o.crio_drop_in}},
      {engine::Engine::docker, "dockerd", {o.docker_config, ""}},
  };
  std::vector<Row> rows;
  for (const auto& s : specs) {
    const std::string name(engine::engine_name(s.engine));
    if (!o.engines.empty()) {
      if (std::find(o.engines.begin(), o.engines.end(), name) == o.engines.end()) continue;
    } else if (os::find_executable(s.daemon, search_path()).empty() && !os::path_exists(s.paths.config)) {
      rows.push_back({name, Status::skip, "not installed", ""});
      continue;
    }
    rows.push_back(engine_row(o, node, s));
  }
  return rows;
}

} // namespace nvrunc::ctl::doctor
