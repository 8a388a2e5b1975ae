// musl (Alpine) images: the path-file merge as a table, and the file written in a fake Alpine rootfs.
#include <catch2/catch.hpp>

#include "nvrunc/hook/musl.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::hook;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> dirs = {"/usr/lib64", "/usr/lib32"};

struct Alpine {
  test::TempDir dir;
  fs::path root = dir.path() / "rootfs";
  fs::path sentinel = dir.path() / "sentinel";
  fs::path path_file = root / ("etc/ld-musl-" + std::string(musl_arch()) + ".path");
  Alpine() {
    test::write_file(root / "etc/alpine-release", "3.20.3\n");
    fs::create_directories(root / "lib");
    fs::create_directories(sentinel);
  }
  os::RootDir open() const {
    auto r = os::RootDir::open(root.string());
    REQUIRE(r);
    return std::move(*r);
  }
};

} // namespace

TEST_CASE("musl: the path file merge", "[musl][unit]") {
  struct Row {
    std::optional<std::string> existing;
    std::vector<std::string> dirs;
    std::optional<std::string> out;
  };
  const std::vector<Row> rows = {
      // No file: musl's defaults first, or the image's own /usr/lib libraries stop resolving.
      {std::nullopt, dirs, "/lib\n/usr/local/lib\n/usr/lib\n/usr/lib64\n/usr/lib32\n"},
      {std::nullopt, {"/usr/lib"}, std::nullopt}, // already searched: no file needed
      {std::nullopt, {}, std::nullopt},
      // An existing file keeps its content and order; listed directories are not repeated.
      {"/opt/app/lib\n/usr/lib\n", {"/usr/lib", "/usr/lib64"}, "/opt/app/lib\n/usr/lib\n/usr/lib64\n"},
      {"/opt/a:/usr/lib64", dirs, "/opt/a:/usr/lib64\n/usr/lib32\n"}, // colons, no final newline
      {"/usr/lib64\n/usr/lib32\n", dirs, std::nullopt},                 // a second run
      {"", {"/usr/lib64"}, "/usr/lib64\n"},
  };
  for (const auto& row : rows) {
    INFO((row.existing ? *row.existing : "<none>"));
    CHECK(merge_musl_path(row.existing, row.dirs) == row.out);
  }
  CHECK(musl_path_file("x86_64") == "/etc/ld-musl-x86_64.path");
  CHECK(musl_path_file("aarch64") == "/etc/ld-musl-aarch64.path");
#if defined(__x86_64__)
  CHECK(musl_arch() == "x86_64");
#elif defined(__aarch64__)
  CHECK(musl_arch() == "aarch64");
#endif
}

TEST_CASE("musl: detection and the path file in a fake Alpine rootfs", "[musl][component]") {
  Alpine t;
  auto root = t.open();
  auto musl = is_musl_image(root);
  REQUIRE(musl);
  CHECK(*musl);
  REQUIRE(write_musl_path(root, dirs));
  CHECK(test::read_file(t.path_file) == "/lib\n/usr/local/lib\n/usr/lib\n/usr/lib64\n/usr/lib32\n");
  CHECK((fs::status(t.path_file).permissions() & fs::perms::all) == fs::perms(0644));
  REQUIRE(write_musl_path(root, dirs)); // idempotent
  CHECK(test::read_file(t.path_file) == "/lib\n/usr/local/lib\n/usr/lib\n/usr/lib64\n/usr/lib32\n");
  CHECK(test::list_dir(t.root / "etc") ==
        std::vector<std::string>{"alpine-release", t.path_file.filename().string()}); // no temp files

  test::write_file(t.path_file, "/opt/own\n");
  REQUIRE(write_musl_path(root, dirs));
  CHECK(test::read_file(t.path_file) == "/opt/own\n/usr/lib64\n/usr/lib32\n");
}

TEST_CASE("musl: glibc images are not musl; hostile links stay inside", "[musl][component]") {
  Alpine t;
  fs::remove(t.root / "etc/alpine-release");
  auto musl = is_musl_image(t.open());
  REQUIRE(musl);
  CHECK_FALSE(*musl);

  // The path file is a link to a host file: it is read inside the root (absent there) and replaced.
  test::write_file(t.root / "etc/alpine-release", "3.20.3\n");
  test::write_file(t.sentinel / "victim", "/host\n");
  fs::create_symlink(t.sentinel / "victim", t.path_file);
  REQUIRE(write_musl_path(t.open(), dirs));
  CHECK(test::read_file(t.sentinel / "victim") == "/host\n");
  CHECK(fs::is_regular_file(fs::symlink_status(t.path_file)));
  CHECK(test::read_file(t.path_file) == "/lib\n/usr/local/lib\n/usr/lib\n/usr/lib64\n/usr/lib32\n");
}
