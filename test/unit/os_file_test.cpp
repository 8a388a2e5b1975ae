// os::read_file / read_open_file: whole files of every size, the size limit, and files that do not
// know their size (procfs, pipes), read straight into the string.
#include <catch2/catch.hpp>

#include <cstdint>
#include <initializer_list>
#include <stdexcept>

#include <fcntl.h>
#include <seccomp.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/stat.h>

#include <thread>

#include "nvrunc/os/file.hpp"
#include "test_util.hpp"

using namespace nvrunc;

namespace {

std::string pattern(size_t size) {
  std::string s(size, '\0');
  for (size_t i = 0; i < size; ++i) s[i] = static_cast<char>('a' + (i * 7 + i / 13) % 26);
  return s;
}

// A system call refused with `err` whenever its argument number `arg` has every bit of `flags` set.
struct FlaggedCall {
  int syscall;
  unsigned arg;
  std::uint64_t flags;
  int err;
};

// Loads a seccomp filter that allows everything but `refused` (for good: call it in a child).
bool refuse_flagged(std::initializer_list<FlaggedCall> refused) {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (!ctx) return false;
  bool ok = true;
  for (const auto& r : refused)
    ok = ok && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(r.err), r.syscall, 1,
                                scmp_arg_cmp{r.arg, SCMP_CMP_MASKED_EQ, r.flags, r.flags}) == 0;
  ok = ok && seccomp_load(ctx) == 0;
  seccomp_release(ctx);
  return ok;
}

} // namespace

TEST_CASE("os::read_file: a regular file of any size, byte for byte", "[os]") {
  test::TempDir dir;
  for (size_t size : {0u, 1u, 4095u, 4096u, 4097u, 70000u, 300000u}) {
    const auto path = dir.path() / ("f" + std::to_string(size));
    test::write_file(path, pattern(size));
    auto text = os::read_file(path.string());
    REQUIRE(text);
    CHECK(text->size() == size);
    CHECK(*text == pattern(size));
  }
}

TEST_CASE("os::read_file: the limit is the largest size read", "[os]") {
  test::TempDir dir;
  const auto path = (dir.path() / "f").string();
  test::write_file(path, pattern(100));
  CHECK(os::read_file(path, 100).value() == pattern(100));
  auto over = os::read_file(path, 99);
  REQUIRE_FALSE(over);
  CHECK(over.error().code() == Errc::invalid_argument);
  CHECK(over.error().what().find("larger than 99 bytes") != std::string::npos);
  auto missing = os::read_file((dir.path() / "none").string());
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == Errc::not_found);
}

TEST_CASE("os::read_open_file: a file that has changed since the caller's fstat is read whole", "[os]") {
  test::TempDir dir;
  const auto path = (dir.path() / "f").string();
  test::write_file(path, pattern(5000));
  // The file grew, or shrank, after the caller's fstat gave `stale`: still read whole.
  for (size_t stale : {0u, 1u, 4096u, 4999u, 5001u, 9000u}) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    auto text = os::read_open_file(fd, path, os::default_read_limit, stale);
    ::close(fd);
    REQUIRE(text);
    CHECK(*text == pattern(5000));
  }
}

TEST_CASE("os::read_open_file: a pipe of unknown size is read to its end", "[os]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  const std::string data = pattern(200000); // more than a pipe holds: the writer waits for the reader
  std::thread writer([&] {
    size_t done = 0;
    while (done < data.size()) {
      ssize_t n = ::write(fds[1], data.data() + done, data.size() - done);
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    ::close(fds[1]);
  });
  auto text = os::read_open_file(fds[0], "pipe", 1u << 20);
  writer.join();
  ::close(fds[0]);
  REQUIRE(text);
  CHECK(*text == data);
}

TEST_CASE("os::read_file: a procfs file (size 0 in stat) is read whole", "[os]") {
  auto maps = os::read_file("/proc/self/smaps");
  REQUIRE(maps);
  CHECK(maps->size() > 4096); // more than the first step
  CHECK(maps->back() == '\n');
  CHECK(maps->find("[stack]") != std::string::npos);
}

TEST_CASE("os::write_file_atomic: replaces the file whole and leaves no temporary file", "[os]") {
  test::TempDir dir;
  const auto path = (dir.path() / "config.json").string();
  test::write_file(path, "old");
  os::WriteOptions o;
  o.mode = 0640;
  REQUIRE(os::write_file_atomic(path, pattern(70000), o));
  CHECK(test::read_file(path) == pattern(70000));
  CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"config.json"});
  struct stat st{};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 07777) == 0640);
}

// The unnamed file is linked by its descriptor (AT_EMPTY_PATH); where the kernel refuses that
// (before Linux 6.10 without CAP_DAC_READ_SEARCH it answers ENOENT), through /proc/self/fd. A
// seccomp filter makes the kernel refuse it here, and the named-file last resort too, so the write
// succeeds only through the /proc link.
TEST_CASE("os::write_file_atomic: still works where the descriptor cannot be linked", "[os]") {
  test::TempDir dir;
  const auto path = (dir.path() / "config.json").string();
  test::write_file(path, "old");
  CHECK(test::exit_status_in_child([&] {
    // The descriptor link refused, and so is the last resort (a named temporary file, created with
    // O_EXCL): only the /proc/self/fd link is left to succeed.
    if (!refuse_flagged({{SCMP_SYS(linkat), 4, AT_EMPTY_PATH, ENOENT},
                         {SCMP_SYS(openat), 2, O_EXCL, EACCES},
                         {SCMP_SYS(open), 1, O_EXCL, EACCES}}))
      return 2;
    if (::open("/tmp/nvrunc-excl-probe", O_CREAT | O_EXCL | O_WRONLY, 0600) >= 0 || errno != EACCES) return 4;
    if (::linkat(0, "", AT_FDCWD, "/nonexistent/x", AT_EMPTY_PATH) == 0 || errno != ENOENT) return 3;
    return os::write_file_atomic(path, "new", {}) ? 0 : 1;
  }) == 0);
  CHECK(test::read_file(path) == "new");
  CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"config.json"});
}

// Where the filesystem has no O_TMPFILE (NFS, FUSE, older overlayfs) the temporary file is named
// from the start: a writer that throws (dump() on invalid UTF-8) must not leave it in the bundle.
TEST_CASE("os::write_file_atomic_with: a named temporary file is removed when the writer throws", "[os]") {
  test::TempDir dir;
  const auto path = (dir.path() / "config.json").string();
  test::write_file(path, "old");
  CHECK(test::exit_status_in_child([&] {
    if (!refuse_flagged({{SCMP_SYS(openat), 2, __O_TMPFILE, EOPNOTSUPP}})) return 2;
    int calls = 0;
    try {
      (void)os::write_file_atomic_with(
          path,
          [&](int fd) -> Result<void> {
            ++calls;
            if (::write(fd, "half", 4) != 4) return fail(Errc::io, "write");
            throw std::runtime_error("the writer gave up");
          },
          {});
    } catch (const std::runtime_error&) {
      return calls == 1 ? 0 : 5;
    }
    return 6;
  }) == 0);
  CHECK(test::read_file(path) == "old");
  CHECK(test::list_dir(dir.path()) == std::vector<std::string>{"config.json"});
}
