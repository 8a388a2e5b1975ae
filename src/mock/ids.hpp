// Deterministic identities of a simulated node: hashes of (seed, position), so the same spec gives
// the same UUIDs on every host and every run (golden tests depend on them).
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>

namespace nvrunc::mock::detail {

inline uint64_t fnv1a(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  return h;
}

inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// "<prefix>-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" from the hash of `key`. With `rfc4122`, the
// version nibble is 5 and the variant bits 10, as in the MIG UUIDs of drivers >= 470.
inline std::string hashed_uuid(const char* prefix, const std::string& key, bool rfc4122) {
  uint64_t a = splitmix64(fnv1a(key));
  uint64_t b = splitmix64(a);
  unsigned g3 = unsigned(a) & 0xffff, g4 = unsigned(b >> 48);
  if (rfc4122) {
    g3 = 0x5000 | (g3 & 0x0fff);
    g4 = 0x8000 | (g4 & 0x3fff);
  }
  char text[64];
  std::snprintf(text, sizeof text, "%s-%08x-%04x-%04x-%04x-%012llx", prefix, unsigned(a >> 32),
                unsigned(a >> 16) & 0xffff, g3, g4, static_cast<unsigned long long>(b & 0xffffffffffffull));
  return text;
}

} // namespace nvrunc::mock::detail
