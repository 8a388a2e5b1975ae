// The ld.so.conf fragment and the sandboxed host ldconfig. Cases that run ldconfig need root (the
// sandbox chroots); they print a warning and return early otherwise.
#include <catch2/catch.hpp>

#include "nvrunc/os/exec.hpp"
#include <fcntl.h>
#include <linux/capability.h>

#include "nvrunc/hook/ld_config.hpp"
#include "elf32.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::hook;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> lib_dirs = {"/usr/lib/x86_64-linux-gnu"};

struct Rootfs {
  test::TempDir dir;
  fs::path root = dir.path() / "rootfs";
  Rootfs() {
    fs::create_directories(root / "usr/lib/x86_64-linux-gnu");
    fs::copy_file(NVRUNC_TEST_LIBRARY, root / "usr/lib/x86_64-linux-gnu/libnvrunctest.so.1.2.3");
  }
  os::RootDir open() const {
    auto r = os::RootDir::open(root.string());
    REQUIRE(r);
    return std::move(*r);
  }
  std::string cache() const {
    return test::run_process({"/sbin/ldconfig", "-p", "-C", (root / "etc/ld.so.cache").string()}, {}, "").out;
  }
};

constexpr const char* cached_line = "libnvrunctest.so.1 (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/libnvrunctest.so.1";

bool skip_unless_root() {
  if (test::is_root()) return false;
  WARN("not root: running ldconfig needs chroot; skipped");
  return true;
}

// run_ldconfig's spec with other capabilities, to find the minimal set.
Result<os::SandboxResult> ldconfig_with_caps(const Rootfs& fs_root, std::vector<int> caps) {
  const std::string ldconfig = os::resolve_host_ldconfig("/sbin/ldconfig");
  os::UniqueFd exe(::open(ldconfig.c_str(), O_RDONLY | O_CLOEXEC));
  os::UniqueFd root(::open(fs_root.root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  os::SandboxSpec spec;
  spec.executable_fd = exe.get();
  spec.executable_name = ldconfig;
  spec.argv = {"ldconfig", "-f", "/etc/ld.so.conf", "-C", "/etc/ld.so.cache", lib_dirs[0]};
  spec.root_fd = root.get();
  spec.keep_caps = std::move(caps);
  spec.allowed_syscalls = ldconfig_syscalls();
  spec.limits = ldconfig_limits();
  return os::run_sandboxed(spec);
}

} // namespace

TEST_CASE("ld_config: fragment and ld.so.conf in an image without /etc", "[ld_config][component]") {
  Rootfs t;
  auto root = t.open();
  REQUIRE(write_ld_conf(root, {"/usr/lib/x86_64-linux-gnu", "/usr/lib64"}));
  CHECK(test::read_file(t.root / "etc/ld.so.conf.d/00-nvrunc.conf") == "/usr/lib/x86_64-linux-gnu\n/usr/lib64\n");
  CHECK(test::read_file(t.root / "etc/ld.so.conf") == "include /etc/ld.so.conf.d/*.conf\n");
  for (const char* p : {"etc", "etc/ld.so.conf.d"})
    CHECK((fs::status(t.root / p).permissions() & fs::perms::all) == fs::perms(0755));
  for (const char* p : {"etc/ld.so.conf", "etc/ld.so.conf.d/00-nvrunc.conf"})
    CHECK((fs::status(t.root / p).permissions() & fs::perms::all) == fs::perms(0644));
}

TEST_CASE("ld_config: the image's ld.so.conf is kept, the fragment replaced", "[ld_config][component]") {
  Rootfs t;
  test::write_file(t.root / "etc/ld.so.conf", "/opt/own\n");
  test::write_file(t.root / "etc/ld.so.conf.d/00-nvrunc.conf", "/stale\n");
  auto root = t.open();
  REQUIRE(write_ld_conf(root, lib_dirs));
  CHECK(test::read_file(t.root / "etc/ld.so.conf") == "/opt/own\n");
  CHECK(test::read_file(t.root / "etc/ld.so.conf.d/00-nvrunc.conf") == "/usr/lib/x86_64-linux-gnu\n");
}

TEST_CASE("ld_config: ldconfig.real is preferred, scripts refused", "[ld_config][component]") {
  test::TempDir dir;
  test::write_file(dir.path() / "ldconfig", "#!/bin/sh\nexec /sbin/ldconfig.real \"$@\"\n");
  CHECK(os::resolve_host_ldconfig((dir.path() / "ldconfig").string()) == (dir.path() / "ldconfig").string());
  Rootfs t;
  auto r = run_ldconfig(t.open(), (dir.path() / "ldconfig").string(), lib_dirs);
  REQUIRE_FALSE(r);
  CHECK(r.error().what().find("is a script") != std::string::npos);
  fs::copy_file("/sbin/ldconfig", dir.path() / "ldconfig.real");
  CHECK(os::resolve_host_ldconfig((dir.path() / "ldconfig").string()) == (dir.path() / "ldconfig.real").string());
  auto missing = run_ldconfig(t.open(), "/nonexistent/ldconfig", lib_dirs);
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == Errc::not_found);
}

TEST_CASE("ld_config: the host ldconfig builds the container's cache", "[ld_config][component]") {
  if (skip_unless_root()) return;
  Rootfs t;
  auto root = t.open();
  REQUIRE(write_ld_conf(root, lib_dirs));
  auto r = run_ldconfig(root, "/sbin/ldconfig", lib_dirs);
  if (!r) FAIL(r.error().what());
  CHECK(t.cache().find(cached_line) != std::string::npos);
  CHECK(fs::read_symlink(t.root / "usr/lib/x86_64-linux-gnu/libnvrunctest.so.1") == "libnvrunctest.so.1.2.3");
}

TEST_CASE("ld_config: minimal capabilities", "[ld_config][component]") {
  if (skip_unless_root()) return;
  SECTION("none are needed in a root-owned 0755 tree") {
    Rootfs t;
    REQUIRE(write_ld_conf(t.open(), lib_dirs));
    auto r = ldconfig_with_caps(t, {});
    REQUIRE(r);
    CHECK(r->succeeded());
    CHECK(t.cache().find(cached_line) != std::string::npos);
  }
  SECTION("CAP_DAC_OVERRIDE for an /etc its owner cannot write") {
    Rootfs t;
    REQUIRE(write_ld_conf(t.open(), lib_dirs));
    REQUIRE(::chown((t.root / "etc").c_str(), 1000, 1000) == 0);
    fs::permissions(t.root / "etc", fs::perms(0555));
    auto without = ldconfig_with_caps(t, {});
    REQUIRE(without);
    CHECK_FALSE(without->succeeded());
    auto with = ldconfig_with_caps(t, {CAP_DAC_OVERRIDE});
    REQUIRE(with);
    CHECK(with->succeeded());
    CHECK(t.cache().find(cached_line) != std::string::npos);
  }
}

TEST_CASE("ld_config: the hand-made i386 object is one a loader accepts", "[ld_config][component]") {
  test::TempDir dir;
  test::write_file(dir.path() / "libnvrunctest32.so.1.2.3", test::elf32_shared_object("libnvrunctest32.so.1"));
  std::string loader;
  for (const char* p : {"/usr/lib32/ld-linux.so.2", "/lib/ld-linux.so.2", "/usr/lib/i386-linux-gnu/ld-linux.so.2"})
    if (fs::exists(p)) loader = p;
  if (loader.empty()) {
    WARN("no i386 loader on this host (libc6-i386): only ldconfig checks the object");
    return;
  }
  // --verify: 2 means "a dynamic object without an interpreter", i.e. a loadable shared library.
  auto verify = test::run_process({loader, "--verify", (dir.path() / "libnvrunctest32.so.1.2.3").string()}, {}, "");
  CHECK(verify.exit_code() == 2);
}

TEST_CASE("ld_config: 64-bit and 32-bit directories in one cache", "[ld_config][component]") {
  Rootfs t;
  const std::string lib32 = "/usr/lib/i386-linux-gnu";
  test::write_file(t.root / "usr/lib/i386-linux-gnu/libnvrunctest32.so.1.2.3",
                   test::elf32_shared_object("libnvrunctest32.so.1"));
  // The 32-bit directory that a non-Debian layout would use is missing here: ldconfig skips it.
  const std::vector<std::string> dirs = {lib_dirs[0], lib32, "/usr/lib32"};
  auto root = t.open();
  REQUIRE(write_ld_conf(root, dirs));
  CHECK(test::read_file(t.root / "etc/ld.so.conf.d/00-nvrunc.conf") ==
        "/usr/lib/x86_64-linux-gnu\n/usr/lib/i386-linux-gnu\n/usr/lib32\n");
  if (skip_unless_root()) return;
  auto r = run_ldconfig(root, "/sbin/ldconfig", dirs);
  if (!r) FAIL(r.error().what());
  const std::string cache = t.cache();
  INFO(cache);
  CHECK(cache.find(cached_line) != std::string::npos);
  // "(libc6)" without ",x86-64": the host ldconfig classified it as an i386 object.
  CHECK(cache.find("libnvrunctest32.so.1 (libc6) => /usr/lib/i386-linux-gnu/libnvrunctest32.so.1") !=
        std::string::npos);
  CHECK(fs::read_symlink(t.root / "usr/lib/i386-linux-gnu/libnvrunctest32.so.1") == "libnvrunctest32.so.1.2.3");
}
