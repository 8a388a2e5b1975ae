// The params mask: the text rewrite (a table), the silent no-ops, and the mask itself on a temp
// rootfs whose proc/driver/nvidia/params is a plain file (root only: the test process moves into a
// private mount namespace first, as the hook runs in the container's).
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>

#include "nvrunc/hook/params.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::hook;
namespace fs = std::filesystem;

namespace {

// /proc/driver/nvidia/params of a 550 driver, abridged.
const std::string driver_params = "ResmanDebugLevel: 4294967295\n"
                                  "RmLogonRC: 1\n"
                                  "ModifyDeviceFiles: 1\n"
                                  "DeviceFileUID: 0\n"
                                  "DeviceFileGID: 0\n"
                                  "DeviceFileMode: 438\n"
                                  "EnableGpuFirmware: 18\n";

struct Rootfs {
  test::TempDir dir;
  fs::path root = dir.path() / "rootfs";
  fs::path params = root / "proc/driver/nvidia/params";
  fs::path sentinel = dir.path() / "sentinel";
  Rootfs() {
    fs::create_directories(root / "etc");
    fs::create_directories(sentinel);
  }
  os::RootDir open() const {
    auto r = os::RootDir::open(root.string());
    REQUIRE(r);
    return std::move(*r);
  }
};

std::string masked_driver_params() {
  std::string s = driver_params;
  s.replace(s.find("ModifyDeviceFiles: 1"), 20, "ModifyDeviceFiles: 0");
  return s;
}

bool skip_unless_private_namespace() {
  if (test::is_root() && test::enter_private_mount_namespace()) return false;
  WARN("not root (or unshare refused): mount cases skipped");
  return true;
}

} // namespace

TEST_CASE("params: the ModifyDeviceFiles rewrite", "[params][unit]") {
  struct Row {
    std::string in;
    std::optional<std::string> out;
  };
  const std::vector<Row> rows = {
      {driver_params, masked_driver_params()},
      {"ModifyDeviceFiles: 1", "ModifyDeviceFiles: 0"},            // no final newline
      {"A: 1\nModifyDeviceFiles: 1\n", "A: 1\nModifyDeviceFiles: 0\n"},
      {masked_driver_params(), std::nullopt},                      // already masked: a second run
      {"ModifyDeviceFiles: 10\n", std::nullopt},                   // whole lines only
      {"XModifyDeviceFiles: 1\n", std::nullopt},
      {"ModifyDeviceFiles: 1 \n", std::nullopt},
      {"", std::nullopt},
      {"\n\n", std::nullopt},
  };
  for (const auto& row : rows) {
    INFO(row.in);
    CHECK(mask_modify_device_files(row.in) == row.out);
  }
}

TEST_CASE("params: no file, nothing to mask: silent no-ops", "[params][component]") {
  Rootfs t;
  auto root = t.open();
  auto none = mask_params(root); // no proc at all
  REQUIRE(none);
  CHECK_FALSE(*none);
  fs::create_directories(t.root / "proc/driver"); // a /proc without the nvidia driver
  auto no_driver = mask_params(root);
  REQUIRE(no_driver);
  CHECK_FALSE(*no_driver);
  test::write_file(t.params, masked_driver_params());
  auto nothing = mask_params(root);
  REQUIRE(nothing);
  CHECK_FALSE(*nothing);
  CHECK(test::mounts_at(t.params).empty());
}

TEST_CASE("params: what cannot be a params file is an error, never followed", "[params][component]") {
  Rootfs t;
  fs::create_directories(t.params.parent_path());
  SECTION("a final symlink") {
    test::write_file(t.root / "etc/other", driver_params);
    fs::create_symlink("/etc/other", t.params);
    auto r = mask_params(t.open());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::unsafe_path);
  }
  SECTION("a FIFO (the open must not hang)") {
    REQUIRE(::mkfifo(t.params.c_str(), 0644) == 0);
    auto r = mask_params(t.open());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::unsupported);
  }
  SECTION("a directory") {
    fs::create_directories(t.params);
    auto r = mask_params(t.open());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::unsupported);
  }
  SECTION("an absurd size") {
    test::write_file(t.params, "ModifyDeviceFiles: 1\n" + std::string(max_params_size, '#'));
    auto r = mask_params(t.open());
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::invalid_argument);
  }
  CHECK(test::mounts_at(t.params).empty());
}

TEST_CASE("params: a hostile /proc link is resolved inside the root", "[params][component]") {
  Rootfs t;
  // The image's /proc points at a host directory that has a maskable params file: inside the root,
  // /proc/driver/nvidia/params is <root>/<sentinel>/driver/nvidia/params, which does not exist.
  test::write_file(t.sentinel / "driver/nvidia/params", driver_params);
  fs::create_directory_symlink(t.sentinel, t.root / "proc");
  auto r = mask_params(t.open());
  REQUIRE(r);
  CHECK_FALSE(*r);
  CHECK(test::mounts_at(t.sentinel / "driver/nvidia/params").empty());
}

TEST_CASE("params: the mask on a plain file", "[params][component]") {
  if (skip_unless_private_namespace()) return;
  auto via = GENERATE(os::CloneVia::automatic, os::CloneVia::private_namespace);
  Rootfs t;
  test::write_file(t.params, driver_params);
  fs::permissions(t.params, fs::perms(0444));
  const auto before = test::tree(t.dir.path());
  auto root = t.open();

  auto r = mask_params(root, driver_params_path, via);
  if (!r) FAIL(r.error().what());
  CHECK(*r);
  CHECK(test::read_file(t.params) == masked_driver_params());
  CHECK(test::tree(t.dir.path()) == before); // nothing new in the rootfs (or next to it)
  struct stat st;
  REQUIRE(::stat(t.params.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0444);
  CHECK(::open(t.params.c_str(), O_WRONLY | O_CLOEXEC) == -1);
  CHECK(errno == EROFS);
  auto again = mask_params(root, driver_params_path, via); // idempotent: it now reads `: 0`
  REQUIRE(again);
  CHECK_FALSE(*again);
  CHECK(test::mounts_at(t.params).size() == 1);

  REQUIRE(::umount2(t.params.c_str(), MNT_DETACH) == 0);
  CHECK(test::read_file(t.params) == driver_params);
  CHECK(test::mounts_at(t.params).empty());
}
