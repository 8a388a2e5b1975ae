// nvrunc-ctl doctor: the checks, each one a row of the report (status, what was found, the fix).
// doctor_checks.cpp checks the node (configuration, driver, device nodes, /dev/char, runtimes,
// cgroups, policy, CDI specs), doctor_engines.cpp the container engines' handlers,
// doctor_container.cpp starts a real test container through nvrunc.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "nvrunc/config/config.hpp"
#include "nvrunc/discover/inventory.hpp"

namespace nvrunc::ctl::doctor {

enum class Status { pass, warn, fail, skip };
std::string_view status_name(Status s);

struct Row {
  std::string check;
  Status status = Status::pass;
  std::string detail;
  std::string fix; // what to do about a warn or fail ("" = nothing)
};

struct Options {
  bool fix = false;        // create missing /dev/char links
  bool no_container = false; // do not start the test container
  bool json = false;
  std::string name = "nvidia"; // the runtime handler engines should have
  std::string binary;          // nvrunc ("" = next to nvrunc-ctl, else /usr/bin/nvrunc)
  std::vector<std::string> engines; // restrict to these ("" = every installed one)
  std::string containerd_config = "/etc/containerd/config.toml";
  std::string crio_config = "/etc/crio/crio.conf";
  std::string crio_drop_in = "/etc/crio/crio.conf.d/99-nvrunc.conf";
  std::string docker_config = "/etc/docker/daemon.json";
  std::string containerd = "containerd"; // the binary asked for `config dump`
};

// What the checks share: the configuration, and the inventory when discovery worked.
struct Node {
  std::optional<config::Config> config;
  std::optional<discover::Inventory> inventory;
  std::string nvrunc; // the nvrunc binary checked and used for the test container
};

std::vector<Row> check_node(const Options& options, Node& node);
std::vector<Row> check_engines(const Options& options, const Node& node);
Row check_test_container(const Options& options, const Node& node);

// nvrunc next to this nvrunc-ctl, else /usr/bin/nvrunc.
std::string default_nvrunc();
// nvrunc-hook as nvrunc at `nvrunc` would find it.
std::string hook_for(const config::Config& config, const std::string& nvrunc);

} // namespace nvrunc::ctl::doctor
