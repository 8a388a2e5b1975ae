// nvrunc-ctl doctor: is this node ready to run GPU containers through nvrunc? A table of checks,
// each with the fix for what fails, from the driver to a real test container; exit status 0 when
// nothing failed (warnings allowed), 1 otherwise. Works on a simulated node (NVRUNC_CONFIG).
#include <algorithm>
#include <cstdio>
#include <memory>

#include <nlohmann/json.hpp>

#include "commands.hpp"
#include "doctor_checks.hpp"
#include "report.hpp"

namespace nvrunc::ctl {

namespace {

using doctor::Row;
using doctor::Status;

std::string render_text(const std::vector<Row>& rows) {
  size_t width = 5;
  for (const auto& r : rows) width = std::max(width, r.check.size());
  std::string out;
  auto pad = [](const std::string& s, size_t n) { return s + std::string(n > s.size() ? n - s.size() : 0, ' '); };
  out += "  " + pad("CHECK", width) + "  STATUS  DETAIL\n";
  for (const auto& r : rows) {
    out += "  " + pad(r.check, width) + "  " + pad(std::string(doctor::status_name(r.status)), 6) + "  " + r.detail + "\n";
    if (!r.fix.empty() && (r.status == Status::fail || r.status == Status::warn))
      out += "  " + std::string(width, ' ') + "          fix: " + r.fix + "\n";
  }
  return out;
}

std::string render_json(const std::vector<Row>& rows, bool ready) {
  nlohmann::ordered_json j = {{"ready", ready}, {"checks", nlohmann::ordered_json::array()}};
  for (const auto& r : rows)
    j["checks"].push_back({{"check", r.check}, {"status", doctor::status_name(r.status) == "FAIL" ? "fail" : doctor::status_name(r.status)},
                           {"detail", r.detail}, {"fix", r.fix}});
  return j.dump(2) + "\n";
}

int run_doctor(doctor::Options o) {
  doctor::Node node;
  node.nvrunc = o.binary.empty() ? doctor::default_nvrunc() : o.binary;
  std::vector<Row> rows = doctor::check_node(o, node);
  if (node.config) {
    auto engines = doctor::check_engines(o, node);
    rows.insert(rows.end(), engines.begin(), engines.end());
    rows.push_back(doctor::check_test_container(o, node));
  }
  size_t failed = 0, warned = 0;
  for (const auto& r : rows) {
    failed += r.status == Status::fail;
    warned += r.status == Status::warn;
  }
  const bool ready = failed == 0;
  if (o.json) {
    std::fputs(render_json(rows, ready).c_str(), stdout);
  } else {
    std::string text = "nvrunc-ctl doctor: " + (node.config ? node.config->source : std::string("(no configuration)")) + "\n\n";
    text += render_text(rows);
    text += "\nnode ready: " + std::string(ready ? "yes" : "no") + " (" + std::to_string(failed) + " failed, " +
            std::to_string(warned) + " warning" + (warned == 1 ? "" : "s") + ")\n";
    std::fputs(text.c_str(), stdout);
  }
  return ready ? 0 : 1;
}

} // namespace

void register_doctor(CLI::App& app, int& exit_code) {
  auto o = std::make_shared<doctor::Options>();
  auto* cmd = app.add_subcommand("doctor", "Check that this node can run GPU containers through nvrunc: driver, device "
                                           "nodes, runtimes, engine handlers, policy, and a real test container");
  cmd->add_flag("--fix", o->fix, "Create the missing /dev/char/<major>:<minor> links of the NVIDIA device nodes");
  cmd->add_flag("--no-container", o->no_container, "Do not start the test container");
  cmd->add_flag("--json", o->json, "Print JSON instead of a table");
  // A later value wins, so a wrapper's defaults can be overridden by appending options.
  auto value = [cmd](const char* flag, std::string& v, const char* help) {
    return cmd->add_option(flag, v, help)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  };
  value("--name", o->name, "The runtime handler the engines should have")->capture_default_str();
  value("--binary", o->binary, "The nvrunc to check and to start the test container with (default: the nvrunc next to "
                               "this nvrunc-ctl, else /usr/bin/nvrunc)");
  cmd->add_option("--engine", o->engines, "Check only this engine (containerd, crio, docker; repeatable); default: every "
                                          "installed one")
      ->check(CLI::IsMember({"containerd", "crio", "docker"}));
  value("--containerd-config", o->containerd_config, "containerd's config.toml")->capture_default_str();
  value("--crio-config", o->crio_config, "CRI-O's crio.conf")->capture_default_str();
  value("--crio-drop-in", o->crio_drop_in, "nvrunc's CRI-O drop-in")->capture_default_str();
  value("--docker-config", o->docker_config, "Docker's daemon.json")->capture_default_str();
  value("--containerd", o->containerd, "The containerd binary asked for `config dump`")->capture_default_str();
  cmd->footer("Exit status 0 when the node is ready (no check failed; warnings allowed), 1 otherwise. The node is the one\n"
              "the nvrunc configuration points at: set NVRUNC_CONFIG to check a simulated node.");
  cmd->callback([o, &exit_code] { exit_code = run_doctor(*o); });
}

} // namespace nvrunc::ctl
