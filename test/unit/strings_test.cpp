// Small string helpers (common/strings.hpp).
#include <catch2/catch.hpp>

#include <cstdio>

#include "nvrunc/common/strings.hpp"

using namespace nvrunc;

TEST_CASE("strings: concat joins its pieces", "[strings]") {
  CHECK(concat({}).empty());
  CHECK(concat({"/usr/lib", "/", "libcuda.so.1"}) == "/usr/lib/libcuda.so.1");
  const std::string long_piece(100, 'x');
  CHECK(concat({long_piece, "", long_piece}) == long_piece + long_piece);
}

TEST_CASE("strings: hex is printf's zero-padded lowercase hexadecimal", "[strings]") {
  for (std::uint64_t v : {0ull, 1ull, 0xabcdefull, 0x8000000000000000ull, 0xffffffffffffffffull, 14695981039346656037ull}) {
    char expected[32];
    std::snprintf(expected, sizeof expected, "%016llx", static_cast<unsigned long long>(v));
    CHECK(hex(v, 16) == expected);
  }
  CHECK(hex(0x2f, 4) == "002f");
}
