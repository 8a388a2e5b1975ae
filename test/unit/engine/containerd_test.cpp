// containerd config.toml: table-driven over real-world shapes, plus the exact text of small edits.
#include <catch2/catch.hpp>

#include "nvrunc/engine/containerd.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::engine;
using namespace nvrunc::engine::test;

namespace {

Outcome configure(const std::string& text, const ConfigureOptions& o, const std::string& path = "/etc/containerd/config.toml") {
  auto r = configure_containerd({{path, text}, std::nullopt, {}}, o);
  if (!r) FAIL(r.error().what());
  return *r;
}

HandlerStatus inspect(const std::string& text) {
  auto s = inspect_containerd({"/etc/containerd/config.toml", text}, {}, "nvidia");
  if (!s) FAIL(s.error().what());
  return *s;
}

bool has_note(const Outcome& o, const std::string& part) {
  for (const auto& n : o.notes)
    if (n.find(part) != std::string::npos) return true;
  return false;
}

} // namespace

TEST_CASE("containerd: every real-world shape gets the handler, in place and idempotently") {
  struct Case {
    const char* fixture;
    bool set_default, cdi;
    bool only_insertions;          // nothing of the file changed but added lines
    std::optional<bool> systemd;   // the handler's SystemdCgroup afterwards
    const char* note;              // a note that must be there ("" = none required)
  };
  const Case cases[] = {
      {"containerd-1.6-default.toml", false, false, true, false, "copy of the `runc` handler (SystemdCgroup = false)"},
      {"containerd-1.6-default.toml", true, true, false, false, "copy of the `runc` handler"},
      {"containerd-2.0-v3.toml", false, false, true, true, "copy of the `runc` handler (SystemdCgroup = true)"},
      {"containerd-2.0-v3.toml", true, true, false, true, ""},
      {"containerd-commented.toml", false, false, true, true, "SystemdCgroup = true"},
      {"containerd-commented.toml", true, true, true, true, ""},
      {"containerd-existing-nvidia.toml", false, false, false, true, "ran `/usr/bin/nvidia-container-runtime`"},
      {"containerd-v1.toml", false, false, true, false, "copy of the `runc` handler"},
      {"containerd-dotted.toml", false, false, true, true, ""},
      {"containerd-dotted.toml", true, true, true, true, ""},
      {"containerd-no-runtimes.toml", false, false, true, std::nullopt, "added a plain `runc` handler"},
  };
  for (const auto& c : cases) {
    DYNAMIC_SECTION(c.fixture << (c.set_default ? " --set-as-default" : "") << (c.cdi ? " --enable-cdi" : "")) {
      const std::string before = fixture(c.fixture);
      const auto o = options(c.set_default, c.cdi);
      Outcome out = configure(before, o);
      REQUIRE(out.files.size() == 1);
      const FileUpdate& f = out.files[0];
      INFO(f.after);
      CHECK(f.changed());
      CHECK_FALSE(f.rewritten);
      CHECK(f.backup_path == "/etc/containerd/config.toml.nvrunc.bak");
      const HandlerStatus s = inspect(f.after);
      CHECK(s.present);
      CHECK(s.binary == "/usr/bin/nvrunc");
      CHECK(s.runtime_type == "io.containerd.runc.v2");
      CHECK(s.systemd_cgroup == c.systemd);
      if (c.set_default) CHECK(s.is_default);
      if (c.cdi) CHECK(s.cdi_enabled == std::optional<bool>(true));
      CHECK(f.after.find("\"cdi.k8s.io/*\"") != std::string::npos);
      CHECK(comments_kept(before, f.after));
      if (c.only_insertions) CHECK(only_inserted(before, f.after));
      if (*c.note) CHECK(has_note(out, c.note));
      CHECK(has_note(out, "restart containerd"));
      // A second run changes nothing, byte for byte.
      Outcome again = configure(f.after, o);
      CHECK_FALSE(again.changed());
      CHECK(again.files[0].after == f.after);
    }
  }
}

TEST_CASE("containerd: the handler lands next to runc's, in the file's indentation") {
  const std::string before = "# my containerd\n"
                             "version = 2\n"
                             "\n"
                             "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
                             "  runtime_type = \"io.containerd.runc.v2\"  # the default\n"
                             "  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
                             "    SystemdCgroup = true\n"
                             "\n"
                             "[metrics]\n"
                             "  address = \"\"\n";
  const std::string expected = "# my containerd\n"
                               "version = 2\n"
                               "\n"
                               "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
                               "  runtime_type = \"io.containerd.runc.v2\"  # the default\n"
                               "  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
                               "    SystemdCgroup = true\n"
                               "\n"
                               "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia]\n"
                               "  container_annotations = [\"cdi.k8s.io/*\"]\n"
                               "  runtime_type = \"io.containerd.runc.v2\"\n"
                               "\n"
                               "  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia.options]\n"
                               "    BinaryName = \"/usr/bin/nvrunc\"\n"
                               "    SystemdCgroup = true\n"
                               "\n"
                               "[metrics]\n"
                               "  address = \"\"\n";
  CHECK(configure(before, options()).files[0].after == expected);
}

TEST_CASE("containerd: scalars are set where they stand, new keys join their section") {
  const std::string before = "version = 2\n"
                             "[plugins.\"io.containerd.grpc.v1.cri\"]\n"
                             "  enable_cdi = false # off for now\n"
                             "  [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
                             "    default_runtime_name = \"runc\"   # keep\n"
                             "    [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
                             "      runtime_type = \"io.containerd.runc.v2\"\n";
  const std::string after = configure(before, options(true, true)).files[0].after;
  CHECK(after.find("  enable_cdi = true # off for now\n  cdi_spec_dirs = [\"/etc/cdi\", \"/var/run/cdi\"]\n") !=
        std::string::npos);
  CHECK(after.find("    default_runtime_name = \"nvidia\"   # keep\n") != std::string::npos);
}

TEST_CASE("containerd: the handler copies a runc handler, never another shim's") {
  const std::string before = "version = 2\n"
                             "[plugins.\"io.containerd.grpc.v1.cri\".containerd]\n"
                             "  default_runtime_name = \"kata\"\n"
                             "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata]\n"
                             "  runtime_type = \"io.containerd.kata.v2\"\n"
                             "  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.kata.options]\n"
                             "    ConfigPath = \"/etc/kata-containers/configuration.toml\"\n"
                             "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]\n"
                             "  runtime_type = \"io.containerd.runc.v2\"\n"
                             "  [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]\n"
                             "    SystemdCgroup = true\n";
  Outcome out = configure(before, options());
  CHECK(has_note(out, "copy of the `runc` handler (SystemdCgroup = true)"));
  const std::string& after = out.files[0].after;
  CHECK(after.find("ConfigPath") == after.rfind("ConfigPath")); // kata's option stays kata's
  CHECK(inspect(after).systemd_cgroup == std::optional<bool>(true));
  CHECK(inspect(after).default_runtime == "kata");
}

TEST_CASE("containerd: a missing or empty file becomes a version 2 config with runc kept") {
  for (const char* text : {"", "# nothing yet\n"}) {
    auto r = configure_containerd({{"/etc/containerd/config.toml", text[0] ? std::optional<std::string>(text) : std::nullopt},
                                   std::nullopt, {}},
                                  options());
    REQUIRE(r);
    const std::string& after = r->files[0].after;
    INFO(after);
    CHECK(after.rfind(text[0] ? "# nothing yet\n" : "# Written by nvrunc-ctl", 0) == 0);
    CHECK(after.find("version = 2\n") != std::string::npos);
    // containerd drops its built-in runc handler once any runtime is named: it is written too.
    CHECK(after.find("[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]") != std::string::npos);
    CHECK(inspect(after).present);
    CHECK(r->files[0].backup_path.empty() == !text[0]); // a file of comments is someone's: kept
  }
}

TEST_CASE("containerd: a drop-in carries the whole CRI section, the main file only imports it") {
  const std::string main = fixture("containerd-commented.toml");
  const std::string drop = "/etc/containerd/conf.d/99-nvrunc.toml";
  auto r = configure_containerd({{"/etc/containerd/config.toml", main}, SourceFile{drop, std::nullopt}, {}}, options());
  REQUIRE(r);
  REQUIRE(r->files.size() == 2);
  const FileUpdate& d = r->files[0];
  const FileUpdate& m = r->files[1];
  CHECK(d.path == drop);
  CHECK(d.mode_from == "/etc/containerd/config.toml");
  CHECK(only_inserted(main, m.after));
  CHECK(m.after.find("imports = [\"/etc/containerd/conf.d/99-nvrunc.toml\"]\n") != std::string::npos);
  // The drop-in replaces the section whole in containerd < 2.1: everything of the main file's is in it.
  CHECK(d.after.find("sandbox_image = \"registry.k8s.io/pause:3.9\"") != std::string::npos);
  CHECK(d.after.find("restrict_oom_score_adj = true") != std::string::npos);
  CHECK(d.after.find("config_path = \"/etc/containerd/certs.d\"") != std::string::npos);
  CHECK(d.after.find("version = 2") != std::string::npos);
  // Merged as containerd merges: the handler is there, runc keeps SystemdCgroup.
  auto s = inspect_containerd({"/etc/containerd/config.toml", m.after}, {{drop, d.after}}, "nvidia");
  REQUIRE(s);
  CHECK(s->present);
  CHECK(s->binary == "/usr/bin/nvrunc");
  CHECK(s->runc_systemd_cgroup == std::optional<bool>(true));
  // Second run: the main file imports the drop-in now; nothing changes.
  auto again = configure_containerd({{"/etc/containerd/config.toml", m.after}, SourceFile{drop, d.after}, {{drop, d.after}}},
                                    options());
  REQUIRE(again);
  CHECK_FALSE(again->changed());
}

TEST_CASE("containerd: a drop-in already matched by an imports pattern leaves the main file alone") {
  const std::string main = "version = 2\nimports = [\"conf.d/*.toml\"]\n";
  const std::string drop = "/etc/containerd/conf.d/99-nvrunc.toml";
  auto r = configure_containerd({{"/etc/containerd/config.toml", main}, SourceFile{drop, std::nullopt}, {}}, options());
  REQUIRE(r);
  CHECK_FALSE(r->files[1].changed());
  CHECK(has_note(*r, "already imported through `conf.d/*.toml`"));
}

TEST_CASE("containerd: imports that would shadow the handler are refused") {
  const std::string main = "version = 2\nimports = [\"/etc/containerd/conf.d/*.toml\"]\n";
  const SourceFile other{"/etc/containerd/conf.d/50-registry.toml",
                         "version = 2\n[plugins.\"io.containerd.grpc.v1.cri\".registry]\nconfig_path = \"/x\"\n"};
  SECTION("no drop-in: the imported CRI section replaces the main file's") {
    auto r = configure_containerd({{"/etc/containerd/config.toml", main}, std::nullopt, {other}}, options());
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("50-registry.toml") != std::string::npos);
    CHECK(r.error().message().find("--drop-in") != std::string::npos);
  }
  SECTION("a drop-in imported before another section-defining file") {
    const std::string drop = "/etc/containerd/conf.d/10-nvrunc.toml";
    auto r = configure_containerd({{"/etc/containerd/config.toml", main}, SourceFile{drop, "version = 2\n"},
                                   {{drop, "version = 2\n"}, other}},
                                  options());
    REQUIRE_FALSE(r);
    CHECK(r.error().message().find("imported after") != std::string::npos);
  }
  SECTION("a drop-in imported after it takes its section over") {
    const std::string drop = "/etc/containerd/conf.d/99-nvrunc.toml";
    auto r = configure_containerd({{"/etc/containerd/config.toml", main}, SourceFile{drop, std::nullopt}, {other}}, options());
    REQUIRE(r);
    CHECK(r->files[0].after.find("config_path = \"/x\"") != std::string::npos);
  }
}

TEST_CASE("containerd: refusals are loud and name the file and line") {
  SECTION("the CRI plugin disabled (Docker's containerd.io config): not a silent no-op") {
    auto r = configure_containerd({{"/etc/containerd/config.toml", fixture("containerd-cri-disabled.toml")}, std::nullopt, {}},
                                  options());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::unsupported);
    CHECK(r.error().message() == "`/etc/containerd/config.toml`: the CRI plugin is disabled (disabled_plugins = "
                                 "[\"cri\"], line 4), so containerd would ignore the `nvidia` handler: remove it from "
                                 "disabled_plugins (Kubernetes needs the CRI plugin)");
  }
  SECTION("malformed TOML") {
    auto r = configure_containerd({{"/etc/containerd/config.toml", fixture("containerd-malformed.toml")}, std::nullopt, {}},
                                  options());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::bad_config);
    CHECK(r.error().message().rfind("parse `/etc/containerd/config.toml`: ", 0) == 0);
    CHECK(r.error().message().find("(line 3, column") != std::string::npos);
  }
  SECTION("an unknown config version") {
    auto r = configure_containerd({{"/c.toml", "version = 4\n"}, std::nullopt, {}}, options());
    REQUIRE_FALSE(r);
    CHECK(r.error().message() == "`/c.toml`: config version 4 (line 1): only versions 1, 2 and 3 are known");
  }
  SECTION("a malformed drop-in") {
    auto r = configure_containerd({{"/c.toml", "version = 2\n"}, SourceFile{"/d.toml", "x = [\n"}, {}}, options());
    REQUIRE_FALSE(r);
    CHECK(r.error().message().rfind("parse `/d.toml`", 0) == 0);
  }
  SECTION("bad options") {
    auto o = options();
    o.name = "Nvidia_GPU";
    CHECK_FALSE(configure_containerd({{"/c.toml", ""}, std::nullopt, {}}, o));
    o = options();
    o.binary = "nvrunc";
    CHECK_FALSE(configure_containerd({{"/c.toml", ""}, std::nullopt, {}}, o));
  }
}

TEST_CASE("containerd: what `containerd config dump` says is read back") {
  const std::string dump = "version = 2\ndisabled_plugins = []\n"
                           "[plugins]\n  [plugins.\"io.containerd.grpc.v1.cri\"]\n    enable_cdi = false\n"
                           "    [plugins.\"io.containerd.grpc.v1.cri\".containerd]\n      default_runtime_name = \"runc\"\n"
                           "      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia]\n"
                           "        runtime_type = \"io.containerd.runc.v2\"\n"
                           "        [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.nvidia.options]\n"
                           "          BinaryName = \"/usr/bin/nvrunc\"\n";
  auto s = inspect_containerd_dump(dump, "nvidia");
  REQUIRE(s);
  CHECK(s->present);
  CHECK(s->default_runtime == "runc");
  CHECK(check_handler(*s, options(), "dump"));
  auto wrong = check_handler(*s, options(true), "dump");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().message() == "dump: the default runtime is `runc`, not `nvidia`");
  CHECK_FALSE(check_handler(*s, options(false, true), "dump"));
  auto missing = inspect_containerd_dump("version = 2\n", "nvidia");
  REQUIRE(missing);
  CHECK(check_handler(*missing, options(), "dump").error().message() == "dump: no runtime handler `nvidia`");
  auto disabled = inspect_containerd_dump("version = 2\ndisabled_plugins = [\"io.containerd.grpc.v1.cri\"]\n", "nvidia");
  REQUIRE(disabled);
  CHECK(disabled->cri_disabled);
}
