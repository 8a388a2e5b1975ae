// --link LINK=TARGET validation.
#include <catch2/catch.hpp>

#include "nvrunc/hook/links.hpp"

using namespace nvrunc;
using namespace nvrunc::hook;

TEST_CASE("valid links", "[hook][links]") {
  struct Row {
    const char* spec;
    const char* path;
    const char* target;
  };
  const Row rows[] = {
      {"/usr/lib/x86_64-linux-gnu/libcuda.so.1=libcuda.so.550.54.15", "/usr/lib/x86_64-linux-gnu/libcuda.so.1",
       "libcuda.so.550.54.15"},
      {"/usr/lib64/libnvidia-ml.so=libnvidia-ml.so.1", "/usr/lib64/libnvidia-ml.so", "libnvidia-ml.so.1"},
      {"/a=b=c", "/a", "b=c"},                               // split at the first "="
      {"/lib/x.so=/abs/target", "/lib/x.so", "/abs/target"}, // absolute targets are stored verbatim
      {"/lib/x.so=../../up", "/lib/x.so", "../../up"},       // so are climbing ones: resolved in the container
  };
  for (const auto& row : rows) {
    INFO(row.spec);
    auto link = parse_link(row.spec);
    REQUIRE(link);
    CHECK(link->path == row.path);
    CHECK(link->target == row.target);
  }
}

TEST_CASE("invalid links", "[hook][links]") {
  const std::string with_nul = std::string("/lib/x.so=a") + '\0' + "b";
  const std::string rows[] = {
      "no-equals", "relative/link=target", "=target", "/=target", "//=target", "/lib/x.so=",
      "/lib/../etc/passwd=x", "/lib/x.so/..=y", "/lib/x\n.so=y", with_nul,
  };
  for (const auto& spec : rows) {
    INFO(spec);
    auto link = parse_link(spec);
    REQUIRE_FALSE(link);
    CHECK(link.error().code() == Errc::invalid_argument);
  }
}
