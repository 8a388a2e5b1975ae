// runtime::nvml_helper: how nvrunc (static, no dlopen) gets NVML facts from `nvrunc-ctl nvml-facts`
// in a child process (os::capture_program), and where it finds nvrunc-ctl ([nvrunc] ctl-path).
// A shell script stands in for nvrunc-ctl: the "library" it is given names what it should do.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>

#include "nvrunc/config/config.hpp"
#include "nvrunc/discover/nvml_json.hpp"
#include "nvrunc/os/exec.hpp"
#include "nvrunc/runtime/nvml.hpp"
#include "nvrunc/runtime/shim.hpp"
#include "test_util.hpp"

using namespace nvrunc;

namespace {

const char* fake_ctl = R"(#!/bin/sh
[ "$1 $2" = "nvml-facts --library" ] || { echo "bad arguments: $*" >&2; exit 2; }
[ -z "$NVRUNC_TEST_LEAK$LD_LIBRARY_PATH" ] || { echo "the caller's environment leaked" >&2; exit 3; }
read -r line && { echo "stdin is not empty" >&2; exit 4; }
case "$3" in
  *fail*) echo "nvrunc-ctl: nvml-facts: load \`$3\`: no such file" >&2; echo "second line" >&2; exit 1 ;;
  *big*) /usr/bin/head -c 2000000 /dev/zero | /usr/bin/tr '\0' x ;;
  *signal*) kill -9 $$ ;;
  *hang*) exec /bin/sleep 30 ;;
  *) /bin/cat "$3" ;;
esac
)";

struct Fixture {
  test::TempDir dir;
  config::Config config;
  Fixture() {
    test::write_file(dir.path() / "nvrunc-ctl", fake_ctl);
    ::chmod((dir.path() / "nvrunc-ctl").c_str(), 0755);
    config.ctl_path = dir.str() + "/nvrunc-ctl";
  }
  Result<discover::NvmlFacts> query(const std::string& library) { return runtime::nvml_helper(config)(library); }
};

} // namespace

TEST_CASE("nvml helper: facts come back from the helper's stdout", "[nvml_helper]") {
  Fixture f;
  discover::NvmlFacts facts;
  facts.cuda_version = "12.4";
  facts.gpus.push_back({"GPU-1", "00000000:17:00.0", "NVIDIA H100", 14, "9.0", true,
                        {{1, 2, 0, "MIG-1", "NVIDIA H100 MIG 1g.10gb"}}});
  test::write_file(f.dir.path() / "libnvidia-ml.so.1", discover::nvml_facts_to_json(facts) + "\n");
  // Never the caller's environment.
  ::setenv("NVRUNC_TEST_LEAK", "1", 1);
  auto r = f.query(f.dir.str() + "/libnvidia-ml.so.1");
  ::unsetenv("NVRUNC_TEST_LEAK");
  REQUIRE(r);
  CHECK(r->cuda_version == "12.4");
  REQUIRE(r->gpus.size() == 1);
  CHECK(r->gpus[0].mig.at(0).uuid == "MIG-1");
}

TEST_CASE("nvml helper: each failure is one line naming the helper", "[nvml_helper]") {
  Fixture f;
  const std::string ctl = f.config.ctl_path;
  test::write_file(f.dir.path() / "garbage", "not json\n");
  struct Row {
    std::string library;
    std::string expect;
  };
  const std::vector<Row> rows = {
      {"/x/fail.so", "query NVML: run `" + ctl + "`: exit status 1: nvrunc-ctl: nvml-facts: load `/x/fail.so`: no such file"},
      {"/x/big.so", "query NVML: run `" + ctl + "`: more than 1048576 bytes of output"},
      {"/x/signal.so", "query NVML: run `" + ctl + "`: killed by signal 9"},
      {f.dir.str() + "/garbage", "query NVML: `" + ctl + " nvml-facts`: read NVML facts: not valid JSON"},
  };
  for (const auto& row : rows) {
    auto r = f.query(row.library);
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::driver_missing);
    CHECK(r.error().what() == row.expect);
  }
}

TEST_CASE("nvml helper: [nvrunc] nvml-timeout bounds the wait", "[nvml_helper]") {
  Fixture f;
  f.config.nvml_timeout_s = 1;
  const auto start = std::chrono::steady_clock::now();
  auto r = f.query("/x/hang.so");
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == Errc::driver_missing);
  CHECK(r.error().what() == "query NVML: run `" + f.config.ctl_path + "`: no answer after 1 s (killed)");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(10));
}

TEST_CASE("nvml helper: a missing or unusable helper says how to fix it", "[nvml_helper]") {
  Fixture f;
  f.config.ctl_path = f.dir.str() + "/no-such-nvrunc-ctl";
  auto r = f.query("/x/libnvidia-ml.so.1");
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == Errc::not_found);
  CHECK(r.error().what() == "query NVML: helper `" + f.config.ctl_path +
                                "` is not an executable file: install nvrunc-ctl next to nvrunc or set [nvrunc] "
                                "ctl-path in the nvrunc config");
  // Executable but not a program the kernel runs.
  test::write_file(f.dir.path() / "not-a-program", "just text\n");
  ::chmod((f.dir.path() / "not-a-program").c_str(), 0755);
  f.config.ctl_path = f.dir.str() + "/not-a-program";
  r = f.query("/x/libnvidia-ml.so.1");
  REQUIRE_FALSE(r);
  CHECK(r.error().what() == "query NVML: run `" + f.config.ctl_path + "`: exit status 127: cannot execute: exec format error");
}

TEST_CASE("nvml helper: load_nvml asks only about the node's libnvidia-ml", "[nvml_helper]") {
  discover::Inventory inv;
  int calls = 0;
  const runtime::NvmlQuery failing = [&calls](const std::string& lib) -> Result<discover::NvmlFacts> {
    ++calls;
    return fail(Errc::driver_missing, "query NVML: " + lib + ": broken");
  };
  std::string problem;
  CHECK_FALSE(runtime::load_nvml(inv, failing, &problem));
  CHECK(calls == 0);
  CHECK(problem.empty()); // no libnvidia-ml: unknown facts, no problem
  discover::Library lib;
  lib.prefix = "libnvidia-ml.so";
  lib.host_path = "/usr/lib/libnvidia-ml.so.1";
  inv.libraries.push_back(lib);
  CHECK_FALSE(runtime::load_nvml(inv, failing, &problem));
  CHECK(calls == 1);
  CHECK(problem == "query NVML: /usr/lib/libnvidia-ml.so.1: broken");
}

TEST_CASE("nvml helper: [nvrunc] ctl-path", "[nvml_helper]") {
  auto c = config::parse("[nvrunc]\nctl-path = \"/opt/nvrunc/nvrunc-ctl\"\n", "t");
  REQUIRE(c);
  CHECK(c->ctl_path == "/opt/nvrunc/nvrunc-ctl");
  CHECK(runtime::ctl_path(*c) == "/opt/nvrunc/nvrunc-ctl");
  auto relative = config::parse("[nvrunc]\nctl-path = \"nvrunc-ctl\"\n", "t");
  REQUIRE_FALSE(relative);
  CHECK(relative.error().code() == Errc::bad_config);
  // Unset: nvrunc-ctl beside the running binary (not in test-bin/), else /usr/bin/nvrunc-ctl.
  CHECK(runtime::ctl_path(config::Config{}) == "/usr/bin/nvrunc-ctl");
}

TEST_CASE("nvml helper: a helper that does not answer in time is killed", "[nvml_helper]") {
  test::TempDir dir;
  test::write_file(dir.path() / "hang", "#!/bin/sh\necho started >&2\nexec /bin/sleep 30\n");
  ::chmod((dir.path() / "hang").c_str(), 0755);
  const auto start = std::chrono::steady_clock::now();
  auto r = os::capture_program({dir.str() + "/hang"}, {}, 1024, std::chrono::milliseconds(300));
  const auto took = std::chrono::steady_clock::now() - start;
  REQUIRE_FALSE(r);
  CHECK(r.error().what() == "run `" + dir.str() + "/hang`: no answer after 300 ms (killed)");
  CHECK(took < std::chrono::seconds(5));
  // One that closes its output and goes on running is not waited for beyond the limit either.
  test::write_file(dir.path() / "mute", "#!/bin/sh\nexec >&- 2>&-\nexec /bin/sleep 30\n");
  ::chmod((dir.path() / "mute").c_str(), 0755);
  auto mute = os::capture_program({dir.str() + "/mute"}, {}, 1024, std::chrono::milliseconds(300));
  REQUIRE_FALSE(mute);
  CHECK(mute.error().what() == "run `" + dir.str() + "/mute`: no answer after 300 ms (killed)");
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(5));
  // A quick one is unaffected by the limit.
  auto quick = os::capture_program({"/bin/echo", "hi"}, {}, 1024, std::chrono::milliseconds(5000));
  REQUIRE(quick);
  CHECK(*quick == "hi\n");
}
