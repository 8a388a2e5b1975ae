// The heap for nvrunc's small objects (src/startup/small_objects.hpp), which its operator new uses.
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <random>
#include <vector>

#include "startup/small_objects.hpp"

using nvrunc::startup::SmallObjects;

namespace {

template <std::size_t N>
std::unique_ptr<SmallObjects<N>> make() {
  return std::make_unique<SmallObjects<N>>(); // too large for the stack
}

bool aligned16(const void* p) { return reinterpret_cast<std::uintptr_t>(p) % 16 == 0; }

} // namespace

TEST_CASE("small objects: sizes round up to 16-byte classes, aligned, side by side", "[startup]") {
  auto heap = make<4096>();
  void* a = heap->allocate(1);
  void* b = heap->allocate(16);
  void* c = heap->allocate(17);
  void* d = heap->allocate(0);
  void* e = heap->allocate(256);
  for (void* p : {a, b, c, d, e}) {
    REQUIRE(p);
    CHECK(aligned16(p));
    CHECK(heap->owns(p));
  }
  CHECK(heap->block_size(a) == 16);
  CHECK(heap->block_size(b) == 16);
  CHECK(heap->block_size(c) == 32);
  CHECK(heap->block_size(d) == 16); // operator new(0) must return a distinct pointer
  CHECK(heap->block_size(e) == 256);
  CHECK(static_cast<char*>(b) == static_cast<char*>(a) + 16);
  CHECK(static_cast<char*>(c) == static_cast<char*>(b) + 16);
  CHECK(heap->used() == 16 + 16 + 32 + 16 + 256);
  CHECK(heap->allocate(257) == nullptr); // malloc's
  int on_stack = 0;
  CHECK_FALSE(heap->owns(&on_stack));
  CHECK_FALSE(heap->owns(static_cast<char*>(a) - 1));
}

TEST_CASE("small objects: a freed block serves the next request of its class only", "[startup]") {
  auto heap = make<4096>();
  void* a = heap->allocate(40); // class 48
  void* b = heap->allocate(40);
  heap->release(a);
  CHECK(heap->allocate(20) != a); // class 32: a fresh block
  CHECK(heap->allocate(48) == a); // same class: reused
  heap->release(b);
  heap->release(a);
  CHECK(heap->allocate(33) == a); // last freed, first reused
  CHECK(heap->allocate(47) == b);
}

TEST_CASE("small objects: a full region answers nullptr, and freed blocks still serve", "[startup]") {
  auto heap = make<256>();
  void* a = heap->allocate(128);
  void* b = heap->allocate(100);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(heap->allocate(32) == nullptr); // 16 bytes left
  void* c = heap->allocate(16);
  CHECK(c);
  CHECK(heap->allocate(1) == nullptr);
  heap->release(b);
  CHECK(heap->allocate(200) == nullptr); // no class 208 block free, no room
  CHECK(heap->allocate(112) == b);
}

// A random mix of allocations and releases against a model: blocks never overlap, and what is
// written into a block stays there until it is released.
TEST_CASE("small objects: random use keeps every live block intact", "[startup]") {
  auto heap = make<(1u << 16)>();
  std::mt19937 rng(20261130);
  struct Live {
    std::size_t size;
    unsigned char fill;
  };
  std::map<unsigned char*, Live> live;
  std::size_t too_large = 0, full = 0;
  for (int step = 0; step < 20000; ++step) {
    if (live.empty() || rng() % 3 != 0) {
      const std::size_t n = rng() % 300;
      auto* p = static_cast<unsigned char*>(heap->allocate(n));
      if (!p) {
        REQUIRE((n > 256 || heap->used() + 256 > (1u << 16)));
        ++(n > 256 ? too_large : full);
        continue;
      }
      REQUIRE(aligned16(p));
      REQUIRE(heap->block_size(p) >= n);
      auto next = live.lower_bound(p);
      if (next != live.end()) REQUIRE(p + n <= next->first);
      if (next != live.begin()) {
        auto prev = std::prev(next);
        REQUIRE(prev->first + prev->second.size <= p);
      }
      const auto fill = static_cast<unsigned char>(rng());
      std::memset(p, fill, n);
      live[p] = {n, fill};
    } else {
      auto it = std::next(live.begin(), static_cast<long>(rng() % live.size()));
      for (std::size_t i = 0; i < it->second.size; ++i) REQUIRE(it->first[i] == it->second.fill);
      heap->release(it->first);
      live.erase(it);
    }
  }
  for (const auto& [p, l] : live)
    for (std::size_t i = 0; i < l.size; ++i) REQUIRE(p[i] == l.fill);
  CHECK(too_large > 0); // the run met both limits, and reused freed blocks once full
  CHECK(full > 0);
  CHECK(live.size() > 100);
}
