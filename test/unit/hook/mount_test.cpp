// os::mount_memory_file on plain files: mounting needs root, so the test process first moves into a
// private mount namespace of its own (what runc's container namespace is to the host); without root
// each case checks the one-line error, or prints a warning and returns early. Both ways of cloning
// the file out of the private tmpfs run: the direct open_tree (Linux >= 6.15) and the helper with a
// namespace of its own (what older kernels get).
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/stat.h>

#include "nvrunc/os/mount.hpp"
#include "nvrunc/os/unique_fd.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::os;
namespace fs = std::filesystem;

namespace {

bool skip_unless_private_namespace() {
  if (test::is_root() && test::enter_private_mount_namespace()) return false;
  WARN("not root (or unshare refused): mount cases skipped");
  return true;
}

UniqueFd open_path(const fs::path& p, int flags = O_PATH) {
  UniqueFd fd(::open(p.c_str(), flags | O_CLOEXEC));
  REQUIRE(fd.valid());
  return fd;
}

// errno of opening `p` for writing as root (0: it opened).
int write_open_errno(const fs::path& p) {
  UniqueFd fd(::open(p.c_str(), O_WRONLY | O_CLOEXEC));
  return fd.valid() ? 0 : errno;
}

} // namespace

TEST_CASE("mount: an in-memory file over a file, read-only, nothing left behind", "[mount][component]") {
  if (skip_unless_private_namespace()) return;
  auto via = GENERATE(CloneVia::automatic, CloneVia::private_namespace);
  test::TempDir dir;
  const fs::path target = dir.path() / "sub/params";
  test::write_file(target, "original\n");
  fs::permissions(target, fs::perms(0640));
  const auto before = test::tree(dir.path());
  const size_t tmpfs_before = test::nvrunc_tmpfs_mounts();

  auto fd = open_path(target);
  auto r = mount_memory_file({"params", "masked\n", 0444}, fd.get(), via);
  if (!r) FAIL(r.error().what());

  CHECK(test::read_file(target) == "masked\n");
  struct stat st;
  REQUIRE(::stat(target.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0444);
  CHECK(S_ISREG(st.st_mode));
  CHECK(write_open_errno(target) == EROFS); // even root, even with CAP_DAC_OVERRIDE
  auto lines = test::mounts_at(target);
  REQUIRE(lines.size() == 1);
  INFO(lines[0]);
  CHECK(lines[0].find(" /params " + target.string() + " ro,nosuid,nodev,noexec") != std::string::npos);
  CHECK(lines[0].find(" - tmpfs nvrunc ro,") != std::string::npos);
  // No scratch file beside the target, no stray tmpfs anywhere (the helper's namespace is gone).
  CHECK(test::tree(dir.path()) == before);
  CHECK(test::nvrunc_tmpfs_mounts() == tmpfs_before + 1);

  REQUIRE(::umount2(target.c_str(), MNT_DETACH) == 0);
  CHECK(test::read_file(target) == "original\n"); // untouched underneath
  CHECK(write_open_errno(target) == 0);
  CHECK(test::nvrunc_tmpfs_mounts() == tmpfs_before);
}

TEST_CASE("mount: stacking on an earlier mask shows the newest", "[mount][component]") {
  if (skip_unless_private_namespace()) return;
  test::TempDir dir;
  const fs::path target = dir.path() / "params";
  test::write_file(target, "0\n");
  REQUIRE(mount_memory_file({"params", "1\n"}, open_path(target).get()));
  REQUIRE(mount_memory_file({"params", "2\n"}, open_path(target).get()));
  CHECK(test::read_file(target) == "2\n");
  CHECK(test::mounts_at(target).size() == 2);
  REQUIRE(::umount2(target.c_str(), MNT_DETACH) == 0);
  REQUIRE(::umount2(target.c_str(), MNT_DETACH) == 0);
  CHECK(test::read_file(target) == "0\n");
}

TEST_CASE("mount: bad requests fail before anything is mounted", "[mount][component]") {
  test::TempDir dir;
  test::write_file(dir.path() / "file", "x");
  auto file = open_path(dir.path() / "file");
  auto directory = open_path(dir.path(), O_PATH | O_DIRECTORY);
  const size_t tmpfs_before = test::nvrunc_tmpfs_mounts();

  auto not_regular = mount_memory_file({"params", "x"}, directory.get());
  REQUIRE_FALSE(not_regular);
  CHECK(not_regular.error().code() == Errc::unsupported);
  for (const char* name : {"", ".", "..", "a/b"}) {
    INFO(name);
    auto bad = mount_memory_file({name, "x"}, file.get());
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code() == Errc::invalid_argument);
  }
  auto big = mount_memory_file({"params", std::string(max_memory_file_size + 1, 'x')}, file.get());
  REQUIRE_FALSE(big);
  CHECK(big.error().code() == Errc::invalid_argument);
  CHECK(test::nvrunc_tmpfs_mounts() == tmpfs_before);
  CHECK(test::read_file(dir.path() / "file") == "x");
}

TEST_CASE("mount: without CAP_SYS_ADMIN the error is one line", "[mount][component]") {
  if (test::is_root()) {
    WARN("root: the unprivileged failure is checked by hook_run_test with the capability dropped");
    return;
  }
  test::TempDir dir;
  test::write_file(dir.path() / "file", "x");
  auto r = mount_memory_file({"params", "y"}, open_path(dir.path() / "file").get());
  REQUIRE_FALSE(r);
  CHECK(r.error().sys_errno() == EPERM);
  CHECK(r.error().what().find('\n') == std::string::npos);
  CHECK(r.error().what().find("CAP_SYS_ADMIN") != std::string::npos);
  CHECK(test::read_file(dir.path() / "file") == "x");
}
