// operator new and delete of the nvrunc binary (linked into it alone, and only in portable builds
// without sanitizers: cmake/NvruncTargets.cmake, SMALL_OBJECTS): blocks of up to 256 bytes come from
// SmallObjects (small_objects.hpp says why), the rest from malloc. The nothrow, array and sized forms
// that libstdc++ defines call these two; the aligned forms use aligned_alloc and free, and never
// see a block of the region.
#include <cstdlib>
#include <new>

#include "small_objects.hpp"

namespace {

// 4 MiB of address space in .bss: a page costs only when first touched (a create touches ~30).
constinit nvrunc::startup::SmallObjects<(4u << 20)> heap;

void* allocate(std::size_t n) {
  if (void* p = heap.allocate(n)) return p;
  for (;;) {
    if (void* p = std::malloc(n == 0 ? 1 : n)) return p;
    std::new_handler handler = std::get_new_handler();
    if (!handler) throw std::bad_alloc();
    handler();
  }
}

void release(void* p) noexcept {
  if (heap.owns(p)) heap.release(p);
  else std::free(p);
}

} // namespace

void* operator new(std::size_t n) { return allocate(n); }
void* operator new[](std::size_t n) { return allocate(n); }
void operator delete(void* p) noexcept { release(p); }
void operator delete[](void* p) noexcept { release(p); }
void operator delete(void* p, std::size_t) noexcept { release(p); }
void operator delete[](void* p, std::size_t) noexcept { release(p); }
