// The ld.so.cache parser against caches made by the real ldconfig in all three formats, and
// against corrupt input (never a crash, always an error).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <random>

#include "nvrunc/discover/elf.hpp"
#include "nvrunc/discover/ldcache.hpp"
#include "test_util.hpp"

using namespace nvrunc;
using discover::LdCacheEntry;

namespace {

const std::string fake_lib = std::string(NVRUNC_BINARY_DIR) + "/test-bin/libnvruncfake.so";

// A root with two versions of a library and an ld.so.cache made by `ldconfig -r ROOT -c FORMAT`.
std::string make_cache(const test::TempDir& dir, const std::string& format) {
  const std::string lib = dir.str() + "/usr/lib/x86_64-linux-gnu";
  test::write_file(dir.str() + "/etc/ld.so.conf", "/opt/extra\n");
  test::write_file(lib + "/.keep", "");
  test::write_file(dir.str() + "/opt/extra/.keep", "");
  REQUIRE(test::sh("cp " + fake_lib + " " + lib + "/libnvruncfake.so.1.2.3") == 0);
  REQUIRE(test::sh("cp " + fake_lib + " " + dir.str() + "/opt/extra/libnvruncfake.so.1.0.0") == 0);
  REQUIRE(test::sh("ldconfig -r " + dir.str() + " -c " + format + " 2>/dev/null") == 0);
  return test::read_file(dir.str() + "/etc/ld.so.cache");
}

} // namespace

TEST_CASE("ldcache: the fake library has the SONAME the tests rely on", "[ldcache]") {
  auto soname = discover::read_soname(fake_lib);
  REQUIRE(soname);
  CHECK(*soname == "libnvruncfake.so.1");
  auto not_elf = discover::read_soname("/etc/hostname");
  CHECK_FALSE(not_elf);
}

TEST_CASE("ldcache: caches written by ldconfig in every format", "[ldcache]") {
  for (const char* format : {"new", "old", "compat"}) {
    test::TempDir dir;
    const std::string bytes = make_cache(dir, format);
    INFO("format " << format << ", " << bytes.size() << " bytes");
    auto entries = discover::parse_ldcache(bytes, "ld.so.cache");
    REQUIRE(entries);
    std::vector<std::string> paths;
    for (const auto& e : *entries) {
      if (e.soname != "libnvruncfake.so.1") continue;
      CHECK((e.flags & discover::ldcache_arch_mask) == discover::native_ldcache_arch());
      CHECK((e.flags & discover::ldcache_flag_elf) != 0);
      paths.push_back(e.path);
    }
    // both directories hold the SONAME, ldconfig lists each
    std::sort(paths.begin(), paths.end());
    CHECK(paths == std::vector<std::string>{"/opt/extra/libnvruncfake.so.1", "/usr/lib/x86_64-linux-gnu/libnvruncfake.so.1"});
  }
}

TEST_CASE("ldcache: the host's own cache parses like `ldconfig -p` reads it", "[ldcache]") {
  auto bytes = test::read_file("/etc/ld.so.cache");
  if (bytes.empty()) return;
  auto entries = discover::parse_ldcache(bytes, "/etc/ld.so.cache");
  REQUIRE(entries);
  FILE* p = ::popen("ldconfig -p | head -1", "r");
  char line[256] = {0};
  REQUIRE(std::fgets(line, sizeof line, p));
  ::pclose(p);
  CHECK(std::to_string(entries->size()) + " libs found in cache `/etc/ld.so.cache'\n" == line);
}

TEST_CASE("ldcache: corrupt input is an error, never a crash", "[ldcache]") {
  test::TempDir dir;
  const std::string good = make_cache(dir, "new");
  CHECK_FALSE(discover::parse_ldcache("", "x"));
  CHECK_FALSE(discover::parse_ldcache("not a cache at all, just some text", "x"));
  CHECK_FALSE(discover::parse_ldcache(good.substr(0, 30), "x"));
  CHECK_FALSE(discover::parse_ldcache(good.substr(0, good.size() / 2), "x"));
  CHECK_FALSE(discover::parse_ldcache(std::string("ld.so-1.7.0") + std::string(4, '\xff'), "x"));
  std::string huge_count = good;
  huge_count[20] = '\xff', huge_count[21] = '\xff', huge_count[22] = '\xff', huge_count[23] = '\x7f';
  CHECK_FALSE(discover::parse_ldcache(huge_count, "x"));
  // random byte flips: each result is either a parse or an error
  std::mt19937 rng(1234);
  for (int i = 0; i < 2000; ++i) {
    std::string mutated = good;
    for (int k = 0; k < 4; ++k) mutated[rng() % mutated.size()] = static_cast<char>(rng());
    auto r = discover::parse_ldcache(mutated, "x");
    if (r)
      for (const auto& e : *r) CHECK(e.soname.size() < mutated.size());
  }
}
