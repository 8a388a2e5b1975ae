// The nvrunc-hook binary run as runc runs it: a state JSON on stdin, an explicit env, a temp bundle.
// As root the host ldconfig really runs; otherwise --no-ldconfig is passed (and the ldconfig failure
// path is checked for its one-line error). The --mask-params cases that mount run as root in a
// private mount namespace the test process enters first (the hook inherits it, as it inherits the
// container's from runc).
#include <catch2/catch.hpp>

#include "elf32.hpp"
#include "nvrunc/hook/musl.hpp"
#include "support.hpp"

namespace fs = std::filesystem;
using nvrunc::test::run_process;

namespace {

const std::vector<std::string> hook_env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin"};
const std::string libdir = "/usr/lib/x86_64-linux-gnu";

struct Bundle {
  nvrunc::test::TempDir dir;
  fs::path bundle = dir.path() / "bundle";
  fs::path root = bundle / "rootfs";
  fs::path sentinel = dir.path() / "sentinel";

  Bundle() {
    nvrunc::test::write_file(bundle / "config.json", R"({"ociVersion":"1.0.2","root":{"path":"rootfs"}})");
    fs::create_directories(root / "usr/lib/x86_64-linux-gnu");
    fs::create_directories(sentinel);
    fs::copy_file(NVRUNC_TEST_LIBRARY, root / "usr/lib/x86_64-linux-gnu/libnvrunctest.so.1.2.3");
  }
  std::string state() const {
    return R"({"ociVersion":"1.0.2","id":"t1","status":"creating","pid":1,"bundle":")" + bundle.string() +
           R"(","annotations":{}})";
  }
  nvrunc::test::ProcessResult hook(std::vector<std::string> args, const std::vector<std::string>& env = hook_env,
                                   const std::string* input = nullptr) const {
    args.insert(args.begin(), NVRUNC_HOOK_BINARY);
    return run_process(args, env, input ? *input : state());
  }
};

std::vector<std::string> standard_args() {
  std::vector<std::string> args = {"create-container", "--library-dir", libdir,
                                   "--link", libdir + "/libnvrunctest.so.1=libnvrunctest.so.1.2.3",
                                   "--link", libdir + "/libnvrunctest.so=libnvrunctest.so.1"};
  if (!nvrunc::test::is_root()) args.push_back("--no-ldconfig");
  return args;
}

bool one_error_line(const nvrunc::test::ProcessResult& r) {
  return r.exit_code() == 1 && r.out.empty() && r.err.starts_with("nvrunc-hook: ") &&
         r.err.find('\n') == r.err.size() - 1;
}

} // namespace

TEST_CASE("hook: links, ld.so.conf and cache", "[hook][component]") {
  Bundle b;
  auto r = b.hook(standard_args());
  INFO(r.err);
  REQUIRE(r.exit_code() == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  CHECK(fs::read_symlink(b.root / "usr/lib/x86_64-linux-gnu/libnvrunctest.so.1") == "libnvrunctest.so.1.2.3");
  CHECK(fs::read_symlink(b.root / "usr/lib/x86_64-linux-gnu/libnvrunctest.so") == "libnvrunctest.so.1");
  CHECK(nvrunc::test::read_file(b.root / "etc/ld.so.conf.d/00-nvrunc.conf") == libdir + "\n");
  CHECK(nvrunc::test::read_file(b.root / "etc/ld.so.conf") == "include /etc/ld.so.conf.d/*.conf\n");
  if (!nvrunc::test::is_root()) {
    WARN("not root: ldconfig not run");
    return;
  }
  auto cache = run_process({"/sbin/ldconfig", "-p", "-C", (b.root / "etc/ld.so.cache").string()}, {}, "");
  CHECK(cache.out.find("libnvrunctest.so.1 (libc6,x86-64) => " + libdir + "/libnvrunctest.so.1") != std::string::npos);
  // Idempotent: a second run (runc retrying, or a restart) succeeds and changes nothing visible.
  auto again = b.hook(standard_args());
  CHECK(again.exit_code() == 0);
  CHECK(again.err.empty());
}

TEST_CASE("hook: a link that cannot be made is a warning", "[hook][component]") {
  Bundle b;
  fs::create_directories(b.root / "usr/lib/x86_64-linux-gnu/libnvrunctest.so");
  auto r = b.hook(standard_args());
  INFO(r.err);
  CHECK(r.exit_code() == 0);
  CHECK(r.err.starts_with("nvrunc-hook: warning: skip link `" + libdir + "/libnvrunctest.so`"));
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(fs::is_symlink(b.root / "usr/lib/x86_64-linux-gnu/libnvrunctest.so.1"));
}

TEST_CASE("hook: a hostile rootfs cannot redirect writes to the host", "[hook][component]") {
  Bundle b;
  // Both directories the hook writes to point at the host sentinel; inside the root they lead to
  // <root>/<sentinel path>, where the image keeps its libraries.
  const fs::path inside = b.root / b.sentinel.relative_path();
  fs::create_directories(inside);
  fs::rename(b.root / "usr/lib/x86_64-linux-gnu/libnvrunctest.so.1.2.3", inside / "libnvrunctest.so.1.2.3");
  fs::remove_all(b.root / "usr/lib/x86_64-linux-gnu");
  fs::create_directory_symlink("../../../../../../../../.." + b.sentinel.string(), b.root / "usr/lib/x86_64-linux-gnu");
  fs::create_directory_symlink(b.sentinel, b.root / "etc");
  auto r = b.hook(standard_args());
  INFO(r.err);
  CHECK(r.exit_code() == 0);
  CHECK(nvrunc::test::tree(b.sentinel).empty());
  CHECK(fs::read_symlink(inside / "libnvrunctest.so.1") == "libnvrunctest.so.1.2.3");
  CHECK(nvrunc::test::read_file(inside / "ld.so.conf.d/00-nvrunc.conf") == libdir + "\n");
  if (nvrunc::test::is_root()) CHECK(fs::is_regular_file(inside / "ld.so.cache"));
}

TEST_CASE("hook: failures are one line on stderr and exit 1", "[hook][component]") {
  Bundle b;
  const std::string garbage = "{not json";
  const std::string no_bundle = R"({"id":"x","bundle":")" + (b.dir.path() / "missing").string() + R"("})";
  CHECK(one_error_line(b.hook(standard_args(), hook_env, &garbage)));
  CHECK(one_error_line(b.hook(standard_args(), hook_env, &no_bundle)));
  CHECK(one_error_line(b.hook({"create-container", "--link", "relative=x"})));
  CHECK(one_error_line(b.hook({})));
  // ld.so itself complains first about a preload it cannot load; our line is the last one.
  for (const char* var : {"LD_PRELOAD=/proc/self/cwd/poc.so", "LD_LIBRARY_PATH=/x", "LD_AUDIT=/x.so",
                          "GLIBC_TUNABLES=glibc.malloc.check=3"}) {
    auto r = b.hook(standard_args(), {"PATH=/bin", var});
    INFO(r.err);
    CHECK(r.exit_code() == 1);
    auto ours = r.err.rfind("nvrunc-hook: ");
    REQUIRE(ours != std::string::npos);
    CHECK(r.err.find('\n', ours) == r.err.size() - 1);
    CHECK(r.err.find("CVE-2025-23266", ours) != std::string::npos);
    CHECK_FALSE(fs::exists(b.root / "etc"));
  }
  if (!nvrunc::test::is_root()) {
    auto r = b.hook({"create-container", "--library-dir", libdir}); // chroot is refused to non-root
    INFO(r.err);
    CHECK(one_error_line(r));
  } else {
    auto r = b.hook({"create-container", "--ldconfig", "/nonexistent/ldconfig"});
    INFO(r.err);
    CHECK(one_error_line(r));
    CHECK(r.err.find("/nonexistent/ldconfig") != std::string::npos);
  }
}

TEST_CASE("hook: unknown subcommands pass, --help documents", "[hook][component]") {
  Bundle b;
  auto unknown = b.hook({"update-ldcache", "--folder", "/x"});
  CHECK(unknown.exit_code() == 0);
  CHECK(unknown.err.find("warning: ignoring unknown subcommand `update-ldcache`") != std::string::npos);
  auto help = b.hook({"--help"});
  CHECK(help.exit_code() == 0);
  CHECK(help.out.find("--library-dir") != std::string::npos);
  CHECK(help.out.find("--mask-params") != std::string::npos);
  CHECK(help.out.find("ld-musl") != std::string::npos);
  auto version = b.hook({"--version"});
  CHECK(version.exit_code() == 0);
  CHECK(version.out.starts_with("nvrunc-hook "));
}

namespace {

const std::string lib32dir = "/usr/lib/i386-linux-gnu";
const std::string params_text = "ResmanDebugLevel: 4294967295\nModifyDeviceFiles: 1\nDeviceFileMode: 438\n";
const std::string masked_text = "ResmanDebugLevel: 4294967295\nModifyDeviceFiles: 0\nDeviceFileMode: 438\n";

bool skip_unless_private_namespace() {
  if (nvrunc::test::is_root() && nvrunc::test::enter_private_mount_namespace()) return false;
  WARN("not root (or unshare refused): mount cases skipped");
  return true;
}

} // namespace

TEST_CASE("hook: 32-bit libraries beside the 64-bit ones", "[hook][component]") {
  Bundle b;
  nvrunc::test::write_file(b.root / "usr/lib/i386-linux-gnu/libnvrunctest.so.1.2.3",
                           nvrunc::test::elf32_shared_object("libnvrunctest.so.1"));
  std::vector<std::string> args = standard_args();
  for (const char* a : {"--library-dir", "/usr/lib/i386-linux-gnu", "--link",
                        "/usr/lib/i386-linux-gnu/libnvrunctest.so.1=libnvrunctest.so.1.2.3", "--link",
                        "/usr/lib/i386-linux-gnu/libnvrunctest.so=libnvrunctest.so.1"})
    args.push_back(a);
  auto r = b.hook(args);
  INFO(r.err);
  REQUIRE(r.exit_code() == 0);
  CHECK(r.err.empty());
  for (const auto& dir : {libdir, lib32dir}) {
    CHECK(fs::read_symlink(b.root / dir.substr(1) / "libnvrunctest.so.1") == "libnvrunctest.so.1.2.3");
    CHECK(fs::read_symlink(b.root / dir.substr(1) / "libnvrunctest.so") == "libnvrunctest.so.1");
  }
  CHECK(nvrunc::test::read_file(b.root / "etc/ld.so.conf.d/00-nvrunc.conf") == libdir + "\n" + lib32dir + "\n");
  if (!nvrunc::test::is_root()) {
    WARN("not root: ldconfig not run");
    return;
  }
  auto cache = run_process({"/sbin/ldconfig", "-p", "-C", (b.root / "etc/ld.so.cache").string()}, {}, "").out;
  INFO(cache);
  // The same SONAME twice, told apart by the ABI: the i386 loader only takes the `libc6` entry.
  CHECK(cache.find("libnvrunctest.so.1 (libc6,x86-64) => " + libdir + "/libnvrunctest.so.1") != std::string::npos);
  CHECK(cache.find("libnvrunctest.so.1 (libc6) => " + lib32dir + "/libnvrunctest.so.1") != std::string::npos);
}

TEST_CASE("hook: musl images get the ld-musl path file and no ldconfig", "[hook][component]") {
  Bundle b;
  nvrunc::test::write_file(b.root / "etc/alpine-release", "3.20.3\n");
  // Without --no-ldconfig, even when not root: ldconfig (which needs chroot) must not be run at all.
  auto args = standard_args();
  args.erase(std::remove(args.begin(), args.end(), "--no-ldconfig"), args.end());
  args.push_back("--library-dir");
  args.push_back(lib32dir);
  auto r = b.hook(args);
  INFO(r.err);
  REQUIRE(r.exit_code() == 0);
  CHECK(r.err.empty());
  const fs::path path_file = b.root / nvrunc::hook::musl_path_file().substr(1);
  CHECK(nvrunc::test::read_file(path_file) == "/lib\n/usr/local/lib\n/usr/lib\n" + libdir + "\n" + lib32dir + "\n");
  CHECK(nvrunc::test::list_dir(b.root / "etc") ==
        std::vector<std::string>{"alpine-release", path_file.filename().string()}); // no ld.so.* at all
  CHECK(fs::read_symlink(b.root / "usr/lib/x86_64-linux-gnu/libnvrunctest.so.1") == "libnvrunctest.so.1.2.3");
  CHECK(fs::read_symlink(b.root / "usr/lib/x86_64-linux-gnu/libnvrunctest.so") == "libnvrunctest.so.1");
  auto again = b.hook(args);
  CHECK(again.exit_code() == 0);
  CHECK(nvrunc::test::read_file(path_file) == "/lib\n/usr/local/lib\n/usr/lib\n" + libdir + "\n" + lib32dir + "\n");
}

TEST_CASE("hook: --mask-params without a driver is a silent no-op", "[hook][component]") {
  Bundle b;
  fs::create_directories(b.root / "proc"); // the container's /proc of a GPU-less host: no driver/nvidia
  const auto before = nvrunc::test::tree(b.root);
  auto r = b.hook({"create-container", "--no-ldconfig", "--mask-params"});
  INFO(r.err);
  CHECK(r.exit_code() == 0);
  CHECK(r.out.empty());
  CHECK(r.err.empty());
  CHECK(nvrunc::test::tree(b.root) == before);
  nvrunc::test::write_file(b.root / "proc/driver/nvidia/params", masked_text); // nothing to mask
  auto masked = b.hook({"create-container", "--no-ldconfig", "--mask-params"});
  CHECK(masked.exit_code() == 0);
  CHECK(masked.err.empty());
  CHECK(nvrunc::test::mounts_at(b.root / "proc/driver/nvidia/params").empty());
}

TEST_CASE("hook: --mask-params masks the container's params file", "[hook][component]") {
  if (skip_unless_private_namespace()) return;
  Bundle b;
  const fs::path params = b.root / "proc/driver/nvidia/params";
  nvrunc::test::write_file(params, params_text);
  REQUIRE(b.hook(standard_args()).exit_code() == 0); // links, ld.so.conf, cache: made before the snapshot
  const auto before = nvrunc::test::tree(b.dir.path());
  auto args = standard_args();
  args.push_back("--mask-params");
  auto r = b.hook(args);
  INFO(r.err);
  REQUIRE(r.exit_code() == 0);
  CHECK(r.err.empty());
  CHECK(nvrunc::test::read_file(params) == masked_text);
  CHECK(::open(params.c_str(), O_WRONLY | O_CLOEXEC) == -1);
  CHECK(errno == EROFS);
  CHECK(nvrunc::test::tree(b.dir.path()) == before); // no scratch file or directory anywhere
  CHECK(nvrunc::test::mounts_at(params).size() == 1);
  REQUIRE(::umount2(params.c_str(), MNT_DETACH) == 0);
  CHECK(nvrunc::test::read_file(params) == params_text);

  // The testing option picks another file; the default one is left alone.
  const fs::path other = b.root / "run/test/params";
  nvrunc::test::write_file(other, params_text);
  auto testing = b.hook({"create-container", "--no-ldconfig", "--mask-params", "--mask-params-path=/run/test/params"});
  INFO(testing.err);
  REQUIRE(testing.exit_code() == 0);
  CHECK(nvrunc::test::read_file(other) == masked_text);
  CHECK(nvrunc::test::read_file(params) == params_text);
  REQUIRE(::umount2(other.c_str(), MNT_DETACH) == 0);
}

TEST_CASE("hook: a mask that cannot be mounted is one warning line", "[hook][component]") {
  Bundle b;
  const fs::path params = b.root / "proc/driver/nvidia/params";
  nvrunc::test::write_file(params, params_text);
  std::vector<std::string> args = {"create-container", "--no-ldconfig", "--mask-params", "--link",
                                   libdir + "/libnvrunctest.so.1=libnvrunctest.so.1.2.3"};
  nvrunc::test::ProcessResult r;
  if (nvrunc::test::is_root()) {
    // Root without CAP_SYS_ADMIN (out of the bounding set, so the exec'd hook never gets it).
    args.insert(args.begin(), {"/usr/bin/setpriv", "--bounding-set=-sys_admin", "--", NVRUNC_HOOK_BINARY});
    r = run_process(args, hook_env, b.state());
  } else {
    r = b.hook(args);
  }
  INFO(r.err);
  CHECK(r.exit_code() == 0);
  CHECK(r.out.empty());
  CHECK(r.err.starts_with("nvrunc-hook: warning: mask `/proc/driver/nvidia/params`: "));
  CHECK(r.err.find("CAP_SYS_ADMIN") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(nvrunc::test::read_file(params) == params_text);
  CHECK(fs::is_symlink(b.root / "usr/lib/x86_64-linux-gnu/libnvrunctest.so.1")); // the rest was done
}
