// os::RootDir against hostile trees: absolute symlinks to the host, ".." climbs, links to the rootfs'
// own host path, loops, dangling links. A host "sentinel" directory next to the rootfs is the target
// of every escape attempt; it must never change. Each case runs with openat2 and the user-space walk.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <seccomp.h>
#include <sys/wait.h>
#include <sys/inotify.h>
#include <sys/sysmacros.h>
#include <sys/mount.h>

#include "nvrunc/hook/links.hpp"
#include "nvrunc/os/rooted.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::os;
namespace fs = std::filesystem;

namespace {

struct Hostile {
  test::TempDir dir;
  fs::path root = dir.path() / "rootfs";
  fs::path sentinel = dir.path() / "sentinel";
  fs::path inside_sentinel = root / sentinel.relative_path(); // where "/<sentinel path>" lands in the root

  Hostile() {
    fs::create_directories(root / "usr/lib");
    fs::create_directories(sentinel);
    test::write_file(sentinel / "victim", "host\n");
    test::write_file(root / "usr/lib/libreal.so.1", "real\n");
    const std::string climb = "../../../../../../../../../../../../";
    fs::create_directory_symlink(sentinel, root / "etc");                                   // absolute, to the host
    fs::create_directory_symlink(climb + sentinel.relative_path().string(), root / "usr/lib/x86_64-linux-gnu");
    fs::create_directory_symlink(climb, root / "climb");
    fs::create_directory_symlink(root, root / "self");                                      // the rootfs' host path
    fs::create_directory_symlink("/usr/lib", root / "lib64");                                // legit, absolute
    fs::create_symlink(sentinel / "victim", root / "victim-link");
    fs::create_symlink(climb + (sentinel / "victim").relative_path().string(), root / "usr/lib/victim-rel");
    fs::create_directory_symlink(sentinel / "newdir", root / "dangling");
    fs::create_symlink("/loop2", root / "loop1");
    fs::create_symlink("/loop1", root / "loop2");
  }

  RootDir open(Resolver resolver) const {
    auto r = RootDir::open(root.string(), resolver);
    REQUIRE(r);
    return std::move(*r);
  }

  void check_sentinel() const {
    CHECK(test::tree(sentinel) == std::set<std::string>{"victim"});
    CHECK(test::read_file(sentinel / "victim") == "host\n");
  }
};

std::string read_fd(const UniqueFd& fd) {
  char buf[256];
  ssize_t n = ::pread(fd.get(), buf, sizeof buf, 0);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

bool no_temp_files(const fs::path& dir) {
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().filename().string().starts_with(".nvrunc-")) return false;
  return true;
}

} // namespace

TEST_CASE("rooted: lookups never leave the root", "[rooted][component]") {
  auto resolver = GENERATE(Resolver::automatic, Resolver::walk);
  Hostile t;
  auto root = t.open(resolver);
  const std::vector<std::string> escapes = {"/etc/victim", "/victim-link", "/usr/lib/victim-rel", "/self/usr/lib/libreal.so.1",
                           "/climb" + (t.sentinel / "victim").string(),
                           "/../../../../../.." + (t.sentinel / "victim").string()};
  for (const auto& path : escapes) {
    INFO(path);
    auto fd = root.open_at(path, O_RDONLY);
    REQUIRE_FALSE(fd);
    CHECK(fd.error().code() == Errc::not_found);
    CHECK(root.exists(path) == false);
  }
  // Clamped, not refused: absolute links and climbs resolve against the rootfs.
  for (const char* path : {"/usr/lib/libreal.so.1", "/lib64/libreal.so.1", "/climb/usr/lib/libreal.so.1",
                           "/lib64/../lib/libreal.so.1", "../../usr/./lib//libreal.so.1"}) {
    INFO(path);
    auto fd = root.open_at(path, O_RDONLY);
    REQUIRE(fd);
    CHECK(read_fd(*fd) == "real\n");
  }
  auto loop = root.open_at("/loop1", O_RDONLY);
  REQUIRE_FALSE(loop);
  CHECK(loop.error().code() == Errc::unsafe_path);
  auto link = root.open_at("/victim-link", O_PATH | O_NOFOLLOW); // the link itself, not its target
  REQUIRE(link);
  struct stat st;
  REQUIRE(::fstat(link->get(), &st) == 0);
  CHECK(S_ISLNK(st.st_mode));
  auto lib64 = root.stat("/lib64");
  REQUIRE(lib64);
  CHECK(S_ISDIR(lib64->st_mode));
  t.check_sentinel();
}

TEST_CASE("rooted: mkdir_all and write_file through hostile links stay inside", "[rooted][component]") {
  auto resolver = GENERATE(Resolver::automatic, Resolver::walk);
  Hostile t;
  auto root = t.open(resolver);
  auto made = root.mkdir_all("/etc/ld.so.conf.d", 0755);
  REQUIRE(made);
  REQUIRE(fs::is_directory(t.inside_sentinel / "ld.so.conf.d"));
  CHECK((fs::status(t.inside_sentinel / "ld.so.conf.d").permissions() & fs::perms::all) == fs::perms(0755));
  REQUIRE(root.write_file("/etc/ld.so.conf.d/00-nvrunc.conf", "/usr/lib/x86_64-linux-gnu\n", 0644));
  CHECK(test::read_file(t.inside_sentinel / "ld.so.conf.d/00-nvrunc.conf") == "/usr/lib/x86_64-linux-gnu\n");
  CHECK((fs::status(t.inside_sentinel / "ld.so.conf.d/00-nvrunc.conf").permissions() & fs::perms::all) ==
        fs::perms(0644));
  CHECK(no_temp_files(t.inside_sentinel / "ld.so.conf.d"));
  { // the same content and mode again: left alone (the same inode); another mode: replaced
    const auto conf = t.inside_sentinel / "ld.so.conf.d/00-nvrunc.conf";
    struct stat before, after;
    REQUIRE(::stat(conf.c_str(), &before) == 0);
    REQUIRE(root.write_file("/etc/ld.so.conf.d/00-nvrunc.conf", "/usr/lib/x86_64-linux-gnu\n", 0644));
    REQUIRE(::stat(conf.c_str(), &after) == 0);
    CHECK(before.st_ino == after.st_ino);
    REQUIRE(root.write_file("/etc/ld.so.conf.d/00-nvrunc.conf", "/usr/lib/x86_64-linux-gnu\n", 0600));
    REQUIRE(::stat(conf.c_str(), &after) == 0);
    CHECK(before.st_ino != after.st_ino);
    CHECK((after.st_mode & 07777) == 0600);
    REQUIRE(root.write_file("/etc/ld.so.conf.d/00-nvrunc.conf", "/usr/lib64\n", 0600));
    CHECK(test::read_file(conf) == "/usr/lib64\n");
    REQUIRE(::mkfifo((t.inside_sentinel / "ld.so.conf.d/fifo").c_str(), 0644) == 0); // never blocks the check
    REQUIRE(root.write_file("/etc/ld.so.conf.d/fifo", "x\n", 0644));
    CHECK(fs::is_regular_file(t.inside_sentinel / "ld.so.conf.d/fifo"));
  }

  // Writing "over" a link to a host file replaces the link, not the host file.
  REQUIRE(root.write_file("/victim-link", "evil\n", 0644));
  CHECK(fs::is_regular_file(fs::symlink_status(t.root / "victim-link")));

  REQUIRE(root.mkdir_all("/dangling/sub", 0755)); // a dangling link to the host: its target made inside
  CHECK(fs::is_directory(t.inside_sentinel / "newdir/sub"));
  CHECK_FALSE(root.mkdir_all("/usr/lib/libreal.so.1/x", 0755)); // a file in the way
  REQUIRE(root.open_at("/etc/new", O_CREAT | O_WRONLY, 0644)); // O_CREAT through /etc -> <host path>
  CHECK(fs::is_regular_file(t.inside_sentinel / "new"));
  CHECK_FALSE(root.write_file("/", "x", 0644));
  CHECK_FALSE(root.write_file("/usr/..", "x", 0644));
  t.check_sentinel();
}

TEST_CASE("rooted: a device node where a file is written or read is never opened (root only)", "[rooted][component]") {
  if (::geteuid() != 0) {
    WARN("needs root (mknod)");
    return;
  }
  Hostile t;
  auto root = t.open(Resolver::automatic);
  REQUIRE(root.mkdir_all("/etc/ld.so.conf.d", 0755));
  const auto node = t.inside_sentinel / "ld.so.conf.d/00-nvrunc.conf";
  REQUIRE(::mknod(node.c_str(), S_IFCHR | 0644, ::makedev(1, 3)) == 0); // /dev/null's numbers
  const int watch = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  REQUIRE(watch >= 0);
  REQUIRE(::inotify_add_watch(watch, node.c_str(), IN_OPEN | IN_ACCESS) >= 0);
  auto read = root.read_file("/etc/ld.so.conf.d/00-nvrunc.conf", 4096);
  REQUIRE_FALSE(read);
  CHECK(read.error().code() == Errc::unsupported);
  REQUIRE(root.write_file("/etc/ld.so.conf.d/00-nvrunc.conf", "/usr/lib64\n", 0644));
  alignas(struct inotify_event) char events[4096];
  const ssize_t n = ::read(watch, events, sizeof events); // IN_IGNORED when the node is replaced
  std::uint32_t seen = 0;
  for (ssize_t at = 0; at + ssize_t(sizeof(struct inotify_event)) <= n;) {
    const auto* e = reinterpret_cast<const struct inotify_event*>(events + at);
    seen |= e->mask;
    at += ssize_t(sizeof(struct inotify_event) + e->len);
  }
  CHECK((seen & (IN_OPEN | IN_ACCESS)) == 0);
  ::close(watch);
  CHECK(test::read_file(node) == "/usr/lib64\n");
  t.check_sentinel();
}

TEST_CASE("rooted: replace_symlink_in, many links through one resolved directory", "[rooted][component]") {
  auto resolver = GENERATE(Resolver::automatic, Resolver::walk);
  Hostile t;
  auto root = t.open(resolver);
  auto dir = root.mkdir_all("/usr/lib/x86_64-linux-gnu", 0755); // climbs to /<sentinel> in the root
  REQUIRE(dir);
  for (const char* name : {"liba.so.1", "libb.so.1"}) {
    auto made = root.replace_symlink_in(*dir, "/usr/lib/x86_64-linux-gnu", name, std::string(name) + ".2");
    REQUIRE(made);
    CHECK(*made);
    CHECK(fs::read_symlink(t.inside_sentinel / name) == std::string(name) + ".2");
  }
  auto again = root.replace_symlink_in(*dir, "/usr/lib/x86_64-linux-gnu", "liba.so.1", "liba.so.1.2");
  REQUIRE(again);
  CHECK_FALSE(*again);
  for (const char* bad : {"", ".", "..", "a/b"}) {
    INFO(bad);
    auto r = root.replace_symlink_in(*dir, "/usr/lib/x86_64-linux-gnu", bad, "x");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::invalid_argument);
  }
  CHECK_FALSE(root.replace_symlink_in(*dir, "/usr/lib/x86_64-linux-gnu", "libc.so", ""));
  CHECK(no_temp_files(t.inside_sentinel));
  t.check_sentinel();
}

TEST_CASE("hook links: each directory resolved once, a failing one warns for each of its links", "[rooted][component]") {
  Hostile t;
  auto root = t.open(Resolver::automatic);
  test::write_file(t.root / "usr/lib/file", "not a directory\n");
  std::vector<hook::Link> links = {
      {"/usr/lib/x86_64-linux-gnu/libcuda.so.1", "libcuda.so.550"}, // through the climbing link
      {"/usr/lib/file/x.so", "y"},                                  // a file in the way
      {"/opt/new/dir/libnew.so", "libnew.so.1"},                    // parents created
      {"/usr/lib/x86_64-linux-gnu/libcuda.so", "libcuda.so.1"},
      {"/usr/lib/file/z.so", "w"},
  };
  auto warnings = hook::create_links(root, links);
  REQUIRE(warnings.size() == 2);
  CHECK(warnings[0].starts_with("skip link `/usr/lib/file/x.so`"));
  CHECK(warnings[1].starts_with("skip link `/usr/lib/file/z.so`"));
  CHECK(fs::read_symlink(t.inside_sentinel / "libcuda.so.1") == "libcuda.so.550");
  CHECK(fs::read_symlink(t.inside_sentinel / "libcuda.so") == "libcuda.so.1");
  CHECK(fs::read_symlink(t.root / "opt/new/dir/libnew.so") == "libnew.so.1");
  CHECK(hook::create_links(root, links).size() == 2); // again: the links are there, the file still in the way
  t.check_sentinel();
}

TEST_CASE("rooted: replace_symlink", "[rooted][component]") {
  auto resolver = GENERATE(Resolver::automatic, Resolver::walk);
  Hostile t;
  auto root = t.open(resolver);
  const fs::path libdir = t.inside_sentinel; // /usr/lib/x86_64-linux-gnu climbs to /<sentinel> in the root
  REQUIRE(root.mkdir_all("/usr/lib/x86_64-linux-gnu", 0755));
  auto created = root.replace_symlink("/usr/lib/x86_64-linux-gnu/libnvrunctest.so.1", "libnvrunctest.so.1.2.3");
  REQUIRE(created);
  CHECK(*created);
  CHECK(fs::read_symlink(libdir / "libnvrunctest.so.1") == "libnvrunctest.so.1.2.3");

  SECTION("the same target is left alone") {
    struct stat before, after;
    REQUIRE(::lstat((libdir / "libnvrunctest.so.1").c_str(), &before) == 0);
    auto again = root.replace_symlink("/usr/lib/x86_64-linux-gnu/libnvrunctest.so.1", "libnvrunctest.so.1.2.3");
    REQUIRE(again);
    CHECK_FALSE(*again);
    REQUIRE(::lstat((libdir / "libnvrunctest.so.1").c_str(), &after) == 0);
    CHECK(before.st_ino == after.st_ino);
  }
  SECTION("a link with another target and a regular file are replaced") {
    REQUIRE(root.replace_symlink("/usr/lib/x86_64-linux-gnu/libnvrunctest.so.1", "other"));
    CHECK(fs::read_symlink(libdir / "libnvrunctest.so.1") == "other");
    REQUIRE(root.replace_symlink("/usr/lib/libreal.so.1", "libreal.so.1.0"));
    CHECK(fs::read_symlink(t.root / "usr/lib/libreal.so.1") == "libreal.so.1.0");
  }
  SECTION("a final link to a host file is replaced itself") {
    REQUIRE(root.replace_symlink("/victim-link", "x"));
    CHECK(fs::read_symlink(t.root / "victim-link") == "x");
  }
  SECTION("a directory is in the way") {
    fs::create_directories(t.root / "usr/lib/libdir.so");
    auto r = root.replace_symlink("/usr/lib/libdir.so", "x");
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::unsupported);
    CHECK(fs::is_directory(fs::symlink_status(t.root / "usr/lib/libdir.so")));
  }
  SECTION("bad input") {
    CHECK_FALSE(root.replace_symlink("/usr/lib/x", ""));
    CHECK_FALSE(root.replace_symlink("/", "x"));
    CHECK_FALSE(root.replace_symlink("/missing-dir/x", "y"));
  }
  CHECK(no_temp_files(libdir));
  CHECK(no_temp_files(t.root / "usr/lib"));
  t.check_sentinel();
}

TEST_CASE("rooted: openat2 refuses magic links", "[rooted][component]") {
  auto root = RootDir::open("/");
  REQUIRE(root);
  auto fd = root->open_at("/proc/self/root/etc", O_PATH);
  if (fd) WARN("openat2 unavailable: the walk reads /proc/self/root as the text \"/\", still inside the root");
  else CHECK(fd.error().code() == Errc::unsafe_path);
}

TEST_CASE("rooted: a mount point cannot be replaced (root only)", "[rooted][component]") {
  if (!test::is_root()) {
    WARN("not root: skipping the bind-mount case");
    return;
  }
  Hostile t;
  auto root = t.open(Resolver::automatic);
  test::write_file(t.root / "usr/lib/mounted.so", "in image\n");
  REQUIRE(::mount((t.sentinel / "victim").c_str(), (t.root / "usr/lib/mounted.so").c_str(), nullptr, MS_BIND,
                  nullptr) == 0);
  auto r = root.replace_symlink("/usr/lib/mounted.so", "x");
  ::umount2((t.root / "usr/lib/mounted.so").c_str(), MNT_DETACH);
  REQUIRE_FALSE(r);
  CHECK(r.error().sys_errno() == EBUSY);
  CHECK(no_temp_files(t.root / "usr/lib"));
  t.check_sentinel();
}

// A kernel before 5.6 has no openat2: the first call answers ENOSYS and every lookup after it walks
// in user space, with the same confinement. Emulated with a seccomp filter.
TEST_CASE("rooted: without openat2 (ENOSYS) lookups walk, and stay inside the root", "[rooted][component]") {
  Hostile h;
  CHECK(test::exit_status_in_child([&] {
          scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
          if (!ctx || seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 0) != 0 || seccomp_load(ctx) != 0)
            return 2;
          auto root = RootDir::open(h.root.string(), Resolver::automatic);
          if (!root) return 3;
          for (int i = 0; i < 2; ++i) { // the first lookup learns that openat2 is missing, the second knows
            auto real = root->open_at("lib64/libreal.so.1", O_RDONLY);
            if (!real || read_fd(*real) != "real\n") return 4;
            // An absolute link to the host's sentinel lands inside the root, where there is nothing.
            auto escape = root->open_at("etc/victim", O_RDONLY);
            if (escape || escape.error().code() != Errc::not_found) return 5;
          }
          return 0;
        }) == 0);
  h.check_sentinel();
}

// ENOSYS from an open itself (a driver may answer it) is not a kernel without openat2: the probe
// says openat2 exists, so the error stands and no second open is tried by the walk.
TEST_CASE("rooted: ENOSYS from one open is an error, not a reason to walk", "[rooted][component]") {
  Hostile h;
  CHECK(test::exit_status_in_child([&] {
          auto root = RootDir::open(h.root.string(), Resolver::automatic);
          if (!root) return 3;
          // ENOSYS for openat2 relative to this root only; the probe (relative to the cwd) still works.
          scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
          if (!ctx ||
              seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(openat2), 1,
                               SCMP_A0(SCMP_CMP_MASKED_EQ, 0xffffffffu, static_cast<scmp_datum_t>(root->fd()))) != 0 ||
              seccomp_load(ctx) != 0)
            return 2;
          auto real = root->open_at("usr/lib/libreal.so.1", O_RDONLY);
          return real || real.error().sys_errno() != ENOSYS ? 4 : 0;
        }) == 0);
}
