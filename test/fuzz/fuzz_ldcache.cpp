// glibc's ld.so.cache (discover::parse_ldcache): read from the driver root, which on a node with a
// containerised driver is another container's filesystem.
// Input: the cache file's bytes (old, new or compat layout).
// Properties: a corrupt cache is an error, never a crash or an exception; entries cannot outnumber
// what the bytes can hold; strings come from inside the file; parsing is a function.
#include "fuzz_util.hpp"
#include "nvrunc/discover/ldcache.hpp"

using namespace nvrunc;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = fuzz::as_text(data, size);
  auto entries = discover::parse_ldcache(bytes, "fuzz/ld.so.cache");
  if (!entries) {
    fuzz::expect(entries.error().code() == Errc::invalid_argument, "a corrupt cache is invalid_argument");
    return 0;
  }
  fuzz::expect(entries->size() <= size / 12, "no more entries than 12-byte records fit in the file");
  for (const auto& e : *entries) {
    fuzz::expect(e.soname.find('\0') == std::string::npos && e.path.find('\0') == std::string::npos,
                 "strings end at their NUL");
    fuzz::expect(e.soname.size() < size && e.path.size() < size, "strings lie inside the file");
  }
  auto again = discover::parse_ldcache(bytes, "fuzz/ld.so.cache");
  fuzz::expect(again && again->size() == entries->size(), "parsing is a function");
  return 0;
}
