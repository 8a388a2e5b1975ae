// The heap for nvrunc's small C++ objects (src/startup/small_objects.cpp wires it to operator new
// and delete in the nvrunc binary only). A create builds some 2,500 small objects (the JSON tree of
// config.json, the plan, the inventory) and frees few of them before it execs the low-level
// runtime. glibc's malloc spends over a hundred instructions on each fresh one and puts an 8-byte
// header in front of it (a 32-byte std::string takes 48 bytes); here a block of up to 256 bytes is
// a pointer bump in a reserved region, with no header, and a freed block goes on a list of its size
// class for the next request of that class. Blocks are never split, merged or given back: the
// process is short-lived, and its small objects come in a few sizes that recur.
//
// - Size classes of 16 bytes (16 to 256); every block is aligned to 16 bytes, as operator new's
//   default alignment requires.
// - The class of each block is kept in a side table of one byte per 16 bytes of the region (unsized
//   operator delete does not say how large the block was).
// - A request the region cannot serve (larger than 256 bytes, or the region used up) returns
//   nullptr: the caller takes it from malloc instead, and `owns` tells the two apart on release.
// - Not thread-safe: nvrunc never starts a thread.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

namespace nvrunc::startup {

template <std::size_t RegionSize>
class SmallObjects {
public:
  static constexpr std::size_t granule = 16;
  static constexpr std::size_t max_size = 256;
  static constexpr std::size_t classes = max_size / granule;
  static_assert(RegionSize % granule == 0 && RegionSize >= max_size);

  // Constant-initialized (all zero, in .bss): no start-up code, nothing touched before first use.
  constexpr SmallObjects() noexcept {}

  // A block of at least `n` bytes (n <= max_size), or nullptr when the region is used up or n is
  // too large.
  void* allocate(std::size_t n) noexcept {
    if (n > max_size) return nullptr;
    const std::size_t c = n == 0 ? 0 : (n - 1) / granule;
    if (void* p = m_free[c]) {
      std::memcpy(&m_free[c], p, sizeof(void*)); // the link a release left in the block
      return p;
    }
    const std::size_t bytes = (c + 1) * granule;
    if (RegionSize - m_used < bytes) return nullptr;
    unsigned char* p = m_region + m_used;
    m_class[m_used / granule] = static_cast<unsigned char>(c + 1);
    m_used += bytes;
    return p;
  }

  bool owns(const void* p) const noexcept {
    const auto a = reinterpret_cast<std::uintptr_t>(p), start = reinterpret_cast<std::uintptr_t>(m_region);
    return a >= start && a < start + RegionSize;
  }

  // A block `allocate` returned, onto the free list of its class.
  void release(void* p) noexcept {
    const std::size_t at = static_cast<std::size_t>(static_cast<unsigned char*>(p) - m_region) / granule;
    const std::size_t c = m_class[at] - 1u;
    std::memcpy(p, &m_free[c], sizeof(void*));
    m_free[c] = p;
  }

  // The size of the block at `p` (owned), as its class rounds it.
  std::size_t block_size(const void* p) const noexcept {
    return m_class[static_cast<std::size_t>(static_cast<const unsigned char*>(p) - m_region) / granule] * granule;
  }
  std::size_t used() const noexcept { return m_used; }

private:
  void* m_free[classes] = {};
  std::size_t m_used = 0;
  unsigned char m_class[RegionSize / granule] = {}; // class + 1 of the block that starts there
  alignas(4096) unsigned char m_region[RegionSize] = {};
};

} // namespace nvrunc::startup
