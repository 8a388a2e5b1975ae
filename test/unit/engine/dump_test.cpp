// The real containerd judges what configure writes: each result goes through
// `containerd --config <file> config dump` (no daemon, no root), the merge of imports included.
// Skipped (with a warning) where containerd is not installed.
#include <catch2/catch.hpp>

#include "../test_util.hpp"
#include "nvrunc/engine/command.hpp"
#include "nvrunc/engine/containerd.hpp"
#include "nvrunc/engine/files.hpp"
#include "nvrunc/os/exec.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::engine;
using namespace nvrunc::engine::test;
using nvrunc::test::TempDir;

namespace {

std::string containerd_binary() {
  const char* path = std::getenv("PATH");
  return os::find_executable("containerd", path ? path : "/usr/bin:/usr/sbin");
}

// Writes the outcome's files, which must all live under `dir`.
void write_all(const Outcome& out) {
  for (const auto& f : out.files) nvrunc::test::write_file(f.path, f.after);
}

} // namespace

TEST_CASE("containerd config dump: the handler is there for every version 1 and 2 shape") {
  const std::string containerd = containerd_binary();
  if (containerd.empty()) {
    WARN("containerd is not installed: skipped");
    return;
  }
  for (const char* name : {"containerd-1.6-default.toml", "containerd-commented.toml", "containerd-existing-nvidia.toml",
                           "containerd-v1.toml", "containerd-dotted.toml", "containerd-no-runtimes.toml"}) {
    for (bool set_default : {false, true}) {
      DYNAMIC_SECTION(name << (set_default ? " --set-as-default" : "")) {
        TempDir dir;
        const std::string path = dir.str() + "/config.toml";
        auto out = configure_containerd({{path, fixture(name)}, std::nullopt, {}}, options(set_default));
        REQUIRE(out);
        write_all(*out);
        auto s = dump_containerd(containerd, path, "nvidia");
        REQUIRE(s);
        CHECK(check_handler(*s, options(set_default), "dump"));
        // The CRI plugin still has its default runtime's handler.
        auto runc = dump_containerd(containerd, path, s->default_runtime);
        REQUIRE(runc);
        CHECK(runc->present);
      }
    }
  }
}

TEST_CASE("containerd config dump: a drop-in keeps the main file's CRI settings") {
  const std::string containerd = containerd_binary();
  if (containerd.empty()) {
    WARN("containerd is not installed: skipped");
    return;
  }
  TempDir dir;
  const std::string main = dir.str() + "/config.toml", drop = dir.str() + "/conf.d/99-nvrunc.toml";
  nvrunc::test::write_file(main, fixture("containerd-commented.toml"));
  auto files = load_containerd(main, drop);
  REQUIRE(files);
  auto out = configure_containerd(*files, options(true));
  REQUIRE(out);
  write_all(*out);
  auto s = dump_containerd(containerd, main, "nvidia");
  REQUIRE(s);
  CHECK(check_handler(*s, options(true), "dump"));
  CHECK(s->runc_systemd_cgroup == std::optional<bool>(true));
  auto r = engine::run_command({containerd, "--config", main, "config", "dump"}, 30000);
  REQUIRE(r);
  CHECK(r->out.find("sandbox_image = \"registry.k8s.io/pause:3.9\"") != std::string::npos);
  CHECK(r->out.find("restrict_oom_score_adj = true") != std::string::npos);
  // Configured again from what is on disk now: nothing changes.
  auto again_files = load_containerd(main, drop);
  REQUIRE(again_files);
  REQUIRE(again_files->imports.size() == 1);
  auto again = configure_containerd(*again_files, options(true));
  REQUIRE(again);
  CHECK_FALSE(again->changed());
}

TEST_CASE("containerd config dump: the CRI plugin disabled shows in the dump") {
  const std::string containerd = containerd_binary();
  if (containerd.empty()) {
    WARN("containerd is not installed: skipped");
    return;
  }
  TempDir dir;
  nvrunc::test::write_file(dir.str() + "/c.toml", fixture("containerd-cri-disabled.toml"));
  auto s = dump_containerd(containerd, dir.str() + "/c.toml", "nvidia");
  REQUIRE(s);
  CHECK(s->cri_disabled);
  CHECK_FALSE(check_handler(*s, options(), "dump"));
  nvrunc::test::write_file(dir.str() + "/bad.toml", fixture("containerd-malformed.toml"));
  auto bad = dump_containerd(containerd, dir.str() + "/bad.toml", "nvidia");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message().find("config dump` failed") != std::string::npos);
}
