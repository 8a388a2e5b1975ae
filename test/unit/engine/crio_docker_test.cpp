// CRI-O drop-ins and Docker's daemon.json.
#include <catch2/catch.hpp>

#include "nvrunc/engine/crio.hpp"
#include "nvrunc/engine/docker.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::engine;
using namespace nvrunc::engine::test;

namespace {

const std::string crio_main = "/etc/crio/crio.conf";
const std::string crio_drop = "/etc/crio/crio.conf.d/99-nvrunc.conf";

CrioFiles crio_files(std::optional<std::string> drop_in, std::vector<SourceFile> others = {}) {
  return {{crio_main, fixture("crio.conf")}, {crio_drop, std::move(drop_in)}, std::move(others)};
}

} // namespace

TEST_CASE("crio: a drop-in with a handler copied from the default runtime") {
  auto r = configure_crio(crio_files(std::nullopt), options(true));
  REQUIRE(r);
  REQUIRE(r->files.size() == 1);
  const FileUpdate& f = r->files[0];
  INFO(f.after);
  CHECK(f.path == crio_drop);
  CHECK(f.mode_from == crio_main);
  CHECK(f.after.find("[crio.runtime.runtimes.nvidia]\n") != std::string::npos);
  CHECK(f.after.find("runtime_path = \"/usr/bin/nvrunc\"\n") != std::string::npos);
  CHECK(f.after.find("runtime_type = \"oci\"\n") != std::string::npos);
  CHECK(f.after.find("runtime_root = \"/run/nvrunc\"\n") != std::string::npos);
  CHECK(f.after.find("monitor_path = \"/usr/libexec/crio/conmon\"\n") != std::string::npos); // copied from crun
  CHECK(f.after.find("monitor_env = [\"PATH=") != std::string::npos);
  CHECK(f.after.find("/run/crun") == std::string::npos); // crun's own paths are not copied
  CHECK(f.after.find("default_runtime = \"nvidia\"\n") != std::string::npos);
  auto s = inspect_crio(crio_files(f.after), "nvidia");
  REQUIRE(s);
  CHECK(s->present);
  CHECK(s->is_default);
  CHECK(check_handler(*s, options(true), "crio"));
  // Idempotent, and a user's comment in our drop-in survives an update.
  auto again = configure_crio(crio_files(f.after), options(true));
  REQUIRE(again);
  CHECK_FALSE(again->changed());
  auto moved = options(true);
  moved.binary = "/usr/local/nvrunc/bin/nvrunc";
  auto update = configure_crio(crio_files(f.after + "# mine\n[crio.image]\npause_image = \"p:1\" # keep\n"), moved);
  REQUIRE(update);
  CHECK(update->files[0].after.find("pause_image = \"p:1\" # keep") != std::string::npos);
  CHECK(update->files[0].after.find("runtime_path = \"/usr/local/nvrunc/bin/nvrunc\"") != std::string::npos);
  CHECK(update->files[0].backup_path.empty()); // our own file
}

TEST_CASE("crio: a later drop-in that would win is refused, and backups stay out of crio.conf.d") {
  auto r = configure_crio(crio_files(std::nullopt, {{"/etc/crio/crio.conf.d/zz-other.conf",
                                                     "[crio.runtime.runtimes.nvidia]\nruntime_path = \"/x\"\n"}}),
                          options());
  REQUIRE_FALSE(r);
  CHECK(r.error().message().find("zz-other.conf") != std::string::npos);
  auto foreign = configure_crio(crio_files("[crio.runtime]\nlog_level = \"info\"\n"), options());
  REQUIRE(foreign);
  CHECK(foreign->files[0].backup_path == "/etc/crio/99-nvrunc.conf.nvrunc.bak");
  auto broken = configure_crio(crio_files("[crio.runtime\n"), options());
  REQUIRE_FALSE(broken);
  CHECK(broken.error().message().rfind("parse `/etc/crio/crio.conf.d/99-nvrunc.conf`", 0) == 0);
}

TEST_CASE("docker: daemon.json keeps its keys, order, numbers and indentation") {
  const std::string before = fixture("daemon.json");
  auto r = configure_docker({"/etc/docker/daemon.json", before}, options(true, true));
  REQUIRE(r);
  const FileUpdate& f = r->files[0];
  INFO(f.after);
  CHECK(f.after == "{\n"
                   "  \"log-driver\": \"journald\",\n"
                   "  \"exec-opts\": [\n"
                   "    \"native.cgroupdriver=systemd\"\n"
                   "  ],\n"
                   "  \"default-shm-size\": 67108864,\n"
                   "  \"runtimes\": {\n"
                   "    \"crun\": {\n"
                   "      \"path\": \"/usr/bin/crun\"\n"
                   "    },\n"
                   "    \"nvidia\": {\n"
                   "      \"path\": \"/usr/bin/nvrunc\"\n"
                   "    }\n"
                   "  },\n"
                   "  \"default-runtime\": \"nvidia\",\n"
                   "  \"features\": {\n"
                   "    \"cdi\": true\n"
                   "  }\n"
                   "}\n");
  CHECK(f.backup_path == "/etc/docker/daemon.json.nvrunc.bak");
  auto again = configure_docker({"/etc/docker/daemon.json", f.after}, options(true, true));
  REQUIRE(again);
  CHECK_FALSE(again->changed());
  auto s = inspect_docker({"/etc/docker/daemon.json", f.after}, "nvidia");
  REQUIRE(s);
  CHECK(check_handler(*s, options(true, true), "daemon.json"));
}

TEST_CASE("docker: a file already configured is returned byte for byte, whatever its layout") {
  const std::string before = "{\"runtimes\":{\"nvidia\":{\"path\":\"/usr/bin/nvrunc\",\"runtimeArgs\":[]}}}";
  auto r = configure_docker({"/etc/docker/daemon.json", before}, options());
  REQUIRE(r);
  CHECK_FALSE(r->changed());
  CHECK(r->files[0].after == before);
}

TEST_CASE("docker: new files, the shim form, tabs and refusals") {
  auto created = configure_docker({"/etc/docker/daemon.json", std::nullopt}, options());
  REQUIRE(created);
  CHECK(created->files[0].after == "{\n    \"runtimes\": {\n        \"nvidia\": {\n            \"path\": \"/usr/bin/nvrunc\"\n"
                                   "        }\n    }\n}\n");
  auto shim = configure_docker({"/d.json", "{\n\t\"runtimes\": {\"nvidia\": {\"runtimeType\": \"io.containerd.runc.v2\", "
                                           "\"options\": {\"BinaryName\": \"/x\"}}}\n}\n"},
                               options());
  REQUIRE(shim);
  CHECK(shim->files[0].after == "{\n\t\"runtimes\": {\n\t\t\"nvidia\": {\n\t\t\t\"path\": \"/usr/bin/nvrunc\"\n\t\t}\n\t}\n}\n");
  CHECK(shim->notes.size() >= 2);
  auto broken = configure_docker({"/etc/docker/daemon.json", "{\n  \"a\": 1,\n  \"b\" 2\n}\n"}, options());
  REQUIRE_FALSE(broken);
  CHECK(broken.error().code() == Errc::bad_config);
  CHECK(broken.error().message().find("(line 3, column 7)") != std::string::npos);
  CHECK_FALSE(configure_docker({"/d.json", "[1]"}, options()));
  CHECK_FALSE(configure_docker({"/d.json", "{\"runtimes\": 1}"}, options()));
}
