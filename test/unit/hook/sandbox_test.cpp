// os::run_sandboxed and the ldconfig policy. Running a sandbox needs root (chroot, dropping the
// bounding set, unshare): when not root each case prints a warning and returns early. The ELF checks
// run for everyone.
#include <catch2/catch.hpp>

#include "nvrunc/os/exec.hpp"
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <sys/wait.h>

#include <thread>

#include "nvrunc/hook/ld_config.hpp"
#include "nvrunc/os/sandbox.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::os;
namespace fs = std::filesystem;

namespace {

UniqueFd open_file(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd.valid());
  return fd;
}

bool skip_unless_root() {
  if (test::is_root()) return false;
  WARN("not root: sandbox cases need chroot and CAP_SETPCAP; skipped");
  return true;
}

// Runs the static probe under the ldconfig policy (plus `extra` syscalls) chrooted in `root`.
struct ProbeRun {
  test::TempDir dir;
  UniqueFd exe = open_file(NVRUNC_SANDBOX_PROBE);
  UniqueFd root;
  SandboxSpec spec;

  explicit ProbeRun(std::vector<std::string> args, std::vector<std::string> extra = {}) {
    test::write_file(dir.path() / "probe-marker", "x");
    root.reset(::open(dir.path().c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
    spec.executable_fd = exe.get();
    spec.executable_name = "sandbox_probe";
    spec.argv = {"probe"};
    spec.argv.insert(spec.argv.end(), args.begin(), args.end());
    spec.root_fd = root.get();
    spec.keep_caps = hook::ldconfig_capabilities();
    spec.allowed_syscalls = hook::ldconfig_syscalls();
    spec.allowed_syscalls.insert(spec.allowed_syscalls.end(), extra.begin(), extra.end());
    spec.limits = hook::ldconfig_limits();
  }
  SandboxResult run() {
    auto r = run_sandboxed(spec);
    if (!r) FAIL(r.error().what());
    return *r;
  }
};

} // namespace

TEST_CASE("sandbox: only static ELF binaries run", "[sandbox][component]") {
  test::TempDir dir;
  test::write_file(dir.path() / "script", "#!/bin/sh\nexit 0\n");
  test::write_file(dir.path() / "text", "not an executable at all, long enough for an ELF header......\n");
  struct Row {
    std::string path;
    const char* refusal; // nullptr: accepted
  };
  const Row rows[] = {
      {os::resolve_host_ldconfig("/sbin/ldconfig"), nullptr}, // static-pie (Ubuntu: the .real behind a script)
      {NVRUNC_SANDBOX_PROBE, nullptr},      // -static
      {(dir.path() / "script").string(), "is a script"},
      {(dir.path() / "text").string(), "not an ELF"},
      {"/bin/true", "dynamically linked"}, // coreutils: links glibc dynamically
  };
  for (const auto& row : rows) {
    INFO(row.path);
    auto fd = open_file(row.path);
    auto r = check_static_elf(fd.get(), row.path);
    if (!row.refusal) {
      CHECK(r);
      continue;
    }
    REQUIRE_FALSE(r);
    CHECK(r.error().code() == Errc::unsupported);
    CHECK(r.error().what().find(row.refusal) != std::string::npos);
    CHECK(r.error().what().find(row.path) != std::string::npos);
  }
}

TEST_CASE("sandbox: empty environment, chrooted, no leaked descriptors", "[sandbox][component]") {
  if (skip_unless_root()) return;
  ::setenv("NVRUNC_SANDBOX_TEST_LEAK", "1", 1);
  UniqueFd leaked(::open("/", O_PATH)); // not close-on-exec on purpose
  for (auto [mode, expected] : {std::pair{"env", "env=0\n"}, {"root", "marker=1\n"}, {"fds", "open_fds=0\n"}}) {
    INFO(mode);
    ProbeRun probe({mode});
    auto r = probe.run();
    CHECK(r.succeeded());
    CHECK(r.output == expected);
  }
}

TEST_CASE("sandbox: capabilities, bounding set and no_new_privs", "[sandbox][component]") {
  if (skip_unless_root()) return;
  ProbeRun probe({"caps"}, {"capget", "prctl"});
  auto r = probe.run();
  REQUIRE(r.succeeded());
  char want[128];
  unsigned long long dac = 1ULL << CAP_DAC_OVERRIDE;
  std::snprintf(want, sizeof want, "eff=%llx prm=%llx inh=0 bnd=%llx nnp=1\n", dac, dac, dac);
  CHECK(r.output == want);
}

TEST_CASE("sandbox: a forbidden system call kills the program", "[sandbox][component]") {
  if (skip_unless_root()) return;
  // caps: capget and prctl are not in ldconfig's list. The others are what code loaded into ldconfig
  // would need to escape: exec, signal the host, chroot out, change uid, ptrace.
  for (const char* mode : {"socket", "mount", "caps", "exec", "kill", "chroot", "setuid", "ptrace"}) {
    INFO(mode);
    ProbeRun probe({mode});
    auto r = probe.run();
    CHECK_FALSE(r.succeeded());
    REQUIRE(WIFSIGNALED(r.wait_status));
    CHECK(WTERMSIG(r.wait_status) == SIGSYS);
    CHECK(r.describe().find("seccomp") != std::string::npos);
  }
}

TEST_CASE("sandbox: the resource limits are set, hard and soft", "[sandbox][component]") {
  if (skip_unless_root()) return;
  ProbeRun probe({"limits"});
  auto r = probe.run();
  REQUIRE(r.succeeded());
  std::string want;
  const std::pair<const char*, int> names[] = {{"cpu", RLIMIT_CPU}, {"as", RLIMIT_AS}, {"nofile", RLIMIT_NOFILE},
                                               {"fsize", RLIMIT_FSIZE}, {"core", RLIMIT_CORE}};
  for (auto [name, resource] : names) {
    rlim_t value = RLIM_INFINITY;
    for (const auto& limit : hook::ldconfig_limits())
      if (limit.resource == resource) value = limit.value;
    REQUIRE(value != RLIM_INFINITY); // each of the five is limited
    want += std::string(name) + "=" + std::to_string(value) + "/" + std::to_string(value) + "\n";
  }
  CHECK(r.output == want);
}

TEST_CASE("sandbox: exceeding a resource limit stops the program", "[sandbox][component]") {
  if (skip_unless_root()) return;
  ProbeRun big({"bigfile"});
  big.spec.limits = {{RLIMIT_FSIZE, 64 * 1024}};
  auto r = big.run();
  CHECK_FALSE(r.succeeded());
  REQUIRE(WIFSIGNALED(r.wait_status));
  CHECK(WTERMSIG(r.wait_status) == SIGXFSZ);
  CHECK(r.describe().find("file size limit") != std::string::npos);
  CHECK(fs::file_size(big.dir.path() / "big") == 64 * 1024);

  ProbeRun spin({"spin"});
  spin.spec.limits = {{RLIMIT_CPU, 1}};
  spin.spec.timeout = std::chrono::milliseconds(10000);
  r = spin.run();
  CHECK_FALSE(r.timed_out); // the kernel stopped it, not our timeout
  REQUIRE(WIFSIGNALED(r.wait_status));
  CHECK((WTERMSIG(r.wait_status) == SIGXCPU || WTERMSIG(r.wait_status) == SIGKILL));

  ProbeRun files({"nofile"});
  r = files.run();
  REQUIRE(r.succeeded());
  CHECK(r.output == "opened=61\n"); // RLIMIT_NOFILE 64, less stdin, stdout, stderr
}

TEST_CASE("sandbox: timeout, exit status and output", "[sandbox][component]") {
  if (skip_unless_root()) return;
  ProbeRun spin({"spin"});
  spin.spec.timeout = std::chrono::milliseconds(300);
  auto r = spin.run();
  CHECK(r.timed_out);
  CHECK(r.describe().find("timed out") != std::string::npos);
  CHECK(WIFSIGNALED(r.wait_status)); // killed, and reaped
  CHECK(WTERMSIG(r.wait_status) == SIGKILL);

  ProbeRun fails({"fail"});
  r = fails.run();
  CHECK(WEXITSTATUS(r.wait_status) == 7);
  CHECK(r.output == "probe: failing on purpose\n");
  CHECK(r.describe() == "exited with status 7");
}

TEST_CASE("sandbox: exec and setup errors are reported", "[sandbox][component]") {
  ProbeRun probe({"env"});
  probe.spec.allowed_syscalls.push_back("execve");
  auto r = run_sandboxed(probe.spec);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == Errc::invalid_argument);
  if (test::is_root()) return;
  ProbeRun unprivileged({"env"});
  r = run_sandboxed(unprivileged.spec);
  REQUIRE_FALSE(r);
  CHECK(r.error().what().find("sandbox `sandbox_probe`") != std::string::npos);
}

namespace {

// The sandboxed child of this process, once it has chrooted (its /proc/<pid>/root is no longer "/").
pid_t find_chrooted_child() {
  for (int attempt = 0; attempt < 500; ++attempt) {
    for (auto& e : fs::directory_iterator("/proc")) {
      std::string stat = test::read_file(e.path() / "stat");
      auto close = stat.rfind(')');
      if (close == std::string::npos) continue;
      int ppid = 0;
      if (std::sscanf(stat.c_str() + close + 2, "%*c %d", &ppid) != 1 || ppid != ::getpid()) continue;
      std::error_code ec;
      if (fs::read_symlink(e.path() / "root", ec) != "/" && !ec) return std::stoi(e.path().filename().string());
    }
    ::usleep(2000);
  }
  return -1;
}

} // namespace

TEST_CASE("sandbox: new IPC and UTS namespaces (the network is left to seccomp)", "[sandbox][component]") {
  if (skip_unless_root()) return;
  ProbeRun spin({"spin"});
  spin.spec.timeout = std::chrono::milliseconds(5000);
  Result<SandboxResult> result = fail(Errc::internal, "not run");
  std::thread runner([&] { result = run_sandboxed(spin.spec); });
  pid_t child = find_chrooted_child();
  std::vector<std::string> same;
  for (const char* ns : {"ipc", "uts"}) {
    std::error_code ec;
    auto mine = fs::read_symlink(std::string("/proc/self/ns/") + ns, ec);
    auto theirs = fs::read_symlink("/proc/" + std::to_string(child) + "/ns/" + ns, ec);
    if (mine == theirs) same.push_back(ns);
  }
  if (child > 0) ::kill(child, SIGKILL);
  runner.join();
  REQUIRE(child > 0);
  CHECK(same.empty());
  REQUIRE(result);
  CHECK(WTERMSIG(result->wait_status) == SIGKILL);
}
