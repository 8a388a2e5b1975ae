// The runc argv grammar, table-driven: each row is an argv and what the shim must read from it.
#include <catch2/catch.hpp>

#include "nvrunc/runc_args/invocation.hpp"

using nvrunc::runc_args::LogFormat;
using nvrunc::runc_args::parse;

namespace {

struct Row {
  std::vector<std::string> argv;
  std::string command;
  std::string bundle;
  std::string id;
  bool problem;
};

} // namespace

TEST_CASE("runc_args: command, bundle and id in every accepted spelling", "[runc_args]") {
  const std::vector<Row> rows = {
      {{"nvrunc", "create", "--bundle", "/b", "c1"}, "create", "/b", "c1", false},
      {{"nvrunc", "create", "--bundle=/b", "c1"}, "create", "/b", "c1", false},
      {{"nvrunc", "create", "-b", "/b", "c1"}, "create", "/b", "c1", false},
      {{"nvrunc", "create", "-b=/b", "c1"}, "create", "/b", "c1", false},
      {{"nvrunc", "create", "-bundle", "/b", "c1"}, "create", "/b", "c1", false},
      {{"nvrunc", "create", "--b", "/b", "c1"}, "create", "/b", "c1", false},
      {{"nvrunc", "create", "c1", "--bundle", "/b"}, "create", "/b", "c1", false},
      {{"nvrunc", "create", "c1"}, "create", "", "c1", false},
      {{"nvrunc", "run", "-d", "--bundle", "/b", "c1"}, "run", "/b", "c1", false},
      // a bundle named like the command is a value, not a command
      {{"nvrunc", "create", "--bundle", "create", "c1"}, "create", "create", "c1", false},
      // value-taking create flags do not leak their values into the id
      {{"nvrunc", "create", "--pid-file", "/p", "--console-socket", "/s", "-b", "/b", "c1"}, "create", "/b", "c1",
       false},
      {{"nvrunc", "create", "--preserve-fds", "3", "--no-pivot", "--no-new-keyring", "c1"}, "create", "", "c1", false},
      // the last bundle wins, as in runc
      {{"nvrunc", "create", "-b", "/one", "--bundle", "/two", "c1"}, "create", "/two", "c1", false},
      // `--` ends the flags
      {{"nvrunc", "create", "-b", "/b", "--", "-weird-id"}, "create", "/b", "-weird-id", false},
      // global flags with values, both forms, and booleans that take nothing
      {{"nvrunc", "--root", "/r", "--log", "/l", "--log-format", "json", "create", "-b", "/b", "c1"}, "create", "/b",
       "c1", false},
      {{"nvrunc", "--root=/r", "--debug", "--systemd-cgroup", "create", "c1"}, "create", "", "c1", false},
      // --rootless takes a value: `create` after it is that value, not the command
      {{"nvrunc", "--rootless", "create", "state", "c1"}, "state", "", "", false},
      {{"nvrunc", "-root", "/r", "-log-format=json", "run", "c1"}, "run", "", "c1", false},
      // other commands: no bundle is looked for
      {{"nvrunc", "state", "c1"}, "state", "", "", false},
      {{"nvrunc", "--root", "/r", "delete", "--force", "c1"}, "delete", "", "", false},
      {{"nvrunc", "features"}, "features", "", "", false},
      {{"nvrunc", "exec", "--process", "/p.json", "c1"}, "exec", "", "", false},
      // argv runc will reject: we note it and pass it through
      {{"nvrunc", "create", "-b"}, "create", "", "", true},
      {{"nvrunc", "create"}, "create", "", "", true},
      {{"nvrunc", "create", "a", "b"}, "create", "", "", true},
      {{"nvrunc", "--root"}, "", "", "", true},
      {{"nvrunc"}, "", "", "", false},
  };
  for (const auto& row : rows) {
    auto inv = parse(std::span<const std::string>(row.argv));
    INFO("argv: " << [&] {
      std::string s;
      for (auto& a : row.argv) s += a + " ";
      return s;
    }());
    CHECK(inv.argv == row.argv);
    CHECK(inv.command == row.command);
    CHECK(inv.bundle == row.bundle);
    CHECK(inv.container_id == row.id);
    CHECK(inv.problem.empty() == !row.problem);
  }
}

TEST_CASE("runc_args: global flags the shim honours", "[runc_args]") {
  std::vector<std::string> argv = {"nvrunc", "--root",      "/run/containerd/runc/k8s.io", "--log", "/b/log.json",
                                   "--log-format", "json", "--systemd-cgroup", "create", "--bundle", "/b",
                                   "--pid-file", "/b/init.pid", "id1"};
  auto inv = parse(std::span<const std::string>(argv));
  CHECK(inv.root == "/run/containerd/runc/k8s.io");
  CHECK(inv.log == "/b/log.json");
  CHECK(inv.log_format == LogFormat::json);
  CHECK_FALSE(inv.debug);
  CHECK(inv.modifies_spec());

  std::vector<std::string> text = {"nvrunc", "--debug", "--log-format=text", "--version"};
  auto v = parse(std::span<const std::string>(text));
  CHECK(v.debug);
  CHECK(v.version);
  CHECK(v.log_format == LogFormat::text);
  CHECK(v.command.empty());
  CHECK_FALSE(v.modifies_spec());

  std::vector<std::string> help = {"nvrunc", "-h"};
  CHECK(parse(std::span<const std::string>(help)).help);
  std::vector<std::string> noversion = {"nvrunc", "--version=false", "spec"};
  CHECK_FALSE(parse(std::span<const std::string>(noversion)).version);
}

TEST_CASE("runc_args: only create and run modify the spec", "[runc_args]") {
  for (std::string cmd : {"start", "state", "kill", "delete", "exec", "ps", "events", "update", "pause", "resume",
                          "features", "spec", "list", "checkpoint", "restore"}) {
    std::vector<std::string> argv = {"nvrunc", cmd, "--bundle", "/b", "c1"};
    auto inv = parse(std::span<const std::string>(argv));
    CHECK(inv.command == cmd);
    CHECK_FALSE(inv.modifies_spec());
    CHECK(inv.bundle.empty());
  }
}
