// The hook's argv grammar, as a table.
#include <catch2/catch.hpp>

#include "nvrunc/hook/options.hpp"

using namespace nvrunc;
using namespace nvrunc::hook;

namespace {

std::vector<std::string> words(std::initializer_list<const char*> list) { return {list.begin(), list.end()}; }

} // namespace

TEST_CASE("create-container options parse", "[hook][options]") {
  auto o = parse_options(words({"create-container", "--library-dir", "/usr/lib/x86_64-linux-gnu",
                                "--library-dir=/usr/lib64", "--link",
                                "/usr/lib/x86_64-linux-gnu/libcuda.so.1=libcuda.so.550.54.15",
                                "--link=/usr/lib/x86_64-linux-gnu/libcuda.so=libcuda.so.1", "--ldconfig",
                                "/usr/sbin/ldconfig", "--no-ldconfig"}));
  REQUIRE(o);
  CHECK(o->command == Command::create_container);
  CHECK(o->library_dirs == words({"/usr/lib/x86_64-linux-gnu", "/usr/lib64"}));
  REQUIRE(o->links.size() == 2);
  CHECK(o->links[0] == Link{"/usr/lib/x86_64-linux-gnu/libcuda.so.1", "libcuda.so.550.54.15"});
  CHECK(o->links[1] == Link{"/usr/lib/x86_64-linux-gnu/libcuda.so", "libcuda.so.1"});
  CHECK(o->ldconfig == "/usr/sbin/ldconfig");
  CHECK_FALSE(o->run_ldconfig);
  CHECK_FALSE(o->mask_params);
  CHECK(o->warnings.empty());
}

TEST_CASE("params options", "[hook][options]") {
  auto o = parse_options(words({"create-container", "--mask-params"}));
  REQUIRE(o);
  CHECK(o->mask_params);
  CHECK(o->params_path == "/proc/driver/nvidia/params");
  auto testing = parse_options(words({"create-container", "--mask-params", "--mask-params-path=/run/test/params"}));
  REQUIRE(testing);
  CHECK(testing->params_path == "/run/test/params");
  CHECK(testing->warnings.empty());
}

TEST_CASE("64-bit and 32-bit library directories, links in both", "[hook][options]") {
  auto o = parse_options(words({"create-container", "--library-dir", "/usr/lib/x86_64-linux-gnu", "--library-dir",
                                "/usr/lib/i386-linux-gnu", "--link",
                                "/usr/lib/x86_64-linux-gnu/libcuda.so.1=libcuda.so.550.54.15", "--link",
                                "/usr/lib/i386-linux-gnu/libcuda.so.1=libcuda.so.550.54.15"}));
  REQUIRE(o);
  CHECK(o->library_dirs == words({"/usr/lib/x86_64-linux-gnu", "/usr/lib/i386-linux-gnu"}));
  REQUIRE(o->links.size() == 2);
  CHECK(o->links[1].path == "/usr/lib/i386-linux-gnu/libcuda.so.1");
}

TEST_CASE("create-container defaults", "[hook][options]") {
  auto o = parse_options(words({"create-container"}));
  REQUIRE(o);
  CHECK(o->ldconfig == "/sbin/ldconfig");
  CHECK(o->run_ldconfig);
  CHECK(o->library_dirs.empty());
  CHECK(o->links.empty());
  CHECK_FALSE(o->mask_params);
}

TEST_CASE("duplicate library dirs are dropped, order kept", "[hook][options]") {
  auto o = parse_options(words({"create-container", "--library-dir", "/b", "--library-dir", "/a",
                                "--library-dir", "/b"}));
  REQUIRE(o);
  CHECK(o->library_dirs == words({"/b", "/a"}));
}

TEST_CASE("subcommands and forward compatibility", "[hook][options]") {
  struct Row {
    std::vector<std::string> args;
    Command command;
    size_t warnings;
  };
  const std::vector<Row> rows = {
      {words({"--help"}), Command::help, 0},
      {words({"-h"}), Command::help, 0},
      {words({"--version"}), Command::version, 0},
      {words({"create-container", "--help"}), Command::help, 0},
      {words({"update-ldcache", "--folder", "/x"}), Command::unknown, 1},
      {words({"create-container", "--future-flag"}), Command::create_container, 1},
      {words({"create-container", "--future=value", "--no-ldconfig"}), Command::create_container, 1},
  };
  for (const auto& row : rows) {
    INFO(row.args.front() << " " << (row.args.size() > 1 ? row.args[1] : ""));
    auto o = parse_options(row.args);
    REQUIRE(o);
    CHECK(o->command == row.command);
    CHECK(o->warnings.size() == row.warnings);
  }
}

TEST_CASE("bad command lines are one-line invalid_argument errors", "[hook][options]") {
  const std::vector<std::vector<std::string>> rows = {
      {},
      words({"create-container", "--link"}),
      words({"create-container", "--library-dir"}),
      words({"create-container", "--no-ldconfig=1"}),
      words({"create-container", "stray"}),
      words({"create-container", "--future-flag", "value"}), // unknown options never take the next word
      words({"create-container", "--library-dir", "relative/dir"}),
      words({"create-container", "--library-dir", "/usr/../etc"}),
      words({"create-container", "--library-dir", "/usr/lib\ninclude /evil"}),
      words({"create-container", "--ldconfig", "ldconfig"}),
      words({"create-container", "--link", "relative=target"}),
      words({"create-container", "--link", "/no-target"}),
      words({"create-container", "--mask-params=1"}),
      words({"create-container", "--mask-params-path", "relative"}),
      words({"create-container", "--mask-params-path", "/proc/../etc/shadow"}),
      words({"create-container", "--mask-params-path", "/"}),
  };
  for (const auto& args : rows) {
    auto o = parse_options(args);
    INFO((args.size() > 1 ? args[1] : "<empty>"));
    REQUIRE_FALSE(o);
    CHECK(o.error().code() == Errc::invalid_argument);
    CHECK(o.error().what().find('\n') == std::string::npos);
  }
}

TEST_CASE("usage documents every option", "[hook][options]") {
  const std::string text = usage();
  for (const char* word : {"create-container", "--library-dir", "--link", "--ldconfig", "--no-ldconfig", "--help",
                           "--mask-params", "ModifyDeviceFiles: 0", "--mask-params-path", "for testing only",
                           "alpine-release", "/etc/ld-musl-<arch>.path", "32-bit", "LD_", "CVE-2025-23266"})
    CHECK(text.find(word) != std::string::npos);
}
