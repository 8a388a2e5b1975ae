// The OCI state on stdin and the rootfs it leads to.
#include <catch2/catch.hpp>

#include "nvrunc/hook/state.hpp"
#include "support.hpp"

using namespace nvrunc;
using namespace nvrunc::hook;

TEST_CASE("state: bundle and id", "[hook][state]") {
  auto s = parse_state(R"({"ociVersion":"1.0.2","id":"c1","status":"creating","pid":42,
                           "bundle":"/run/b//x/","annotations":{"a":"b"}})");
  REQUIRE(s);
  CHECK(s->id == "c1");
  CHECK(s->bundle == "/run/b/x");
  CHECK(s->rootfs.empty());
}

TEST_CASE("state: crun's root wins, relative to the bundle", "[hook][state]") {
  auto s = parse_state(R"({"id":"c","bundle":"/b","root":"rootfs"})");
  REQUIRE(s);
  CHECK(s->rootfs == "/b/rootfs");
  s = parse_state(R"({"id":"c","bundle":"/b","root":"/abs/root"})");
  REQUIRE(s);
  CHECK(s->rootfs == "/abs/root");
}

TEST_CASE("state: garbage is a clear error", "[hook][state]") {
  const char* rows[] = {"", "  \n", "not json", "[1,2]", R"({"id":"c"})", R"({"bundle":""})",
                        R"({"bundle":42})", R"({"bundle":"relative/b"})", R"({"bundle":"/b","root":7})",
                        "{\"bundle\":\"/b\""};
  for (const char* text : rows) {
    INFO(text);
    auto s = parse_state(text);
    REQUIRE_FALSE(s);
    CHECK(s.error().code() == Errc::invalid_argument);
    CHECK(s.error().what().find('\n') == std::string::npos);
  }
}

TEST_CASE("config.json: relative and absolute root.path", "[hook][state]") {
  auto r = rootfs_from_config(R"({"root":{"path":"rootfs","readonly":true}})", "/b");
  REQUIRE(r);
  CHECK(*r == "/b/rootfs");
  r = rootfs_from_config(R"({"root":{"path":"/var/lib/x/rootfs/"}})", "/b");
  REQUIRE(r);
  CHECK(*r == "/var/lib/x/rootfs");
  for (const char* bad : {"{}", R"({"root":{}})", R"({"root":{"path":""}})", R"({"root":"x"})", "nope"}) {
    INFO(bad);
    auto e = rootfs_from_config(bad, "/b");
    REQUIRE_FALSE(e);
    CHECK(e.error().code() == Errc::bad_spec);
  }
}

TEST_CASE("config.json that the shim's parser refuses is still read (an engine's, under CDI)", "[hook][state]") {
  const std::string deep = std::string(300, '[') + std::string(300, ']');
  auto r = rootfs_from_config(R"({"x-big":123456789012345678901234567890,"x-deep":)" + deep +
                                  R"(,"root":{"path":"rootfs"},"f":1.5,"u":"é"})",
                              "/b");
  REQUIRE(r);
  CHECK(*r == "/b/rootfs");
  auto bad = rootfs_from_config(R"({"root":{"path":"rootfs"})", "/b"); // truncated: nlohmann's message
  REQUIRE_FALSE(bad);
  CHECK(bad.error().code() == Errc::bad_spec);
  CHECK(bad.error().what().starts_with("read `/b/config.json`: "));
}

TEST_CASE("load_state reads the bundle's config.json", "[hook][state]") {
  test::TempDir dir;
  test::write_file(dir.path() / "config.json", R"({"ociVersion":"1.0.2","root":{"path":"rootfs"}})");
  auto s = load_state(R"({"id":"c","bundle":")" + dir.path().string() + R"("})");
  REQUIRE(s);
  CHECK(s->rootfs == (dir.path() / "rootfs").string());

  auto missing = load_state(R"({"id":"c","bundle":")" + (dir.path() / "nope").string() + R"("})");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code() == Errc::not_found);
  CHECK(missing.error().what().find("config.json") != std::string::npos);
}

TEST_CASE("read_stream caps the size", "[hook][state]") {
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  std::string big(5000, 'x');
  REQUIRE(::write(fds[1], big.data(), big.size()) == static_cast<ssize_t>(big.size()));
  ::close(fds[1]);
  auto r = read_stream(fds[0], 4096);
  ::close(fds[0]);
  REQUIRE_FALSE(r);
  CHECK(r.error().code() == Errc::invalid_argument);
}
