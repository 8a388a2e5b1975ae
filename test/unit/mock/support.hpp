// Helpers for the simulated node's tests, on top of the shared ones: loading a simulated driver
// library with dlopen, skipping without root.
#pragma once

#include <dlfcn.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "../test_util.hpp"

namespace nvrunc::test {

inline bool have_program(const std::string& name) {
  return run_command("command -v " + name + " >/dev/null 2>&1").status == 0;
}

// Tests that need root (mknod) live in their own executables and call this first: without root the
// process exits with 77, which ctest reports as skipped (SKIP_RETURN_CODE, test/CMakeLists.txt).
inline void require_root() {
  if (::geteuid() == 0) return;
  std::fprintf(stderr, "skipped: this test needs root (it creates device nodes)\n");
  std::fflush(nullptr);
  ::_exit(77);
}

// Whether this host has a real NVIDIA driver (/dev/nvidiactl is 195:255). The simulated library then
// uses the real /dev instead of the node's, and the node's nvidia-smi finds the real NVML by SONAME:
// cases that query a node through them only mean something on hosts without a driver.
inline bool host_has_nvidia_driver() {
  struct stat st;
  return ::stat("/dev/nvidiactl", &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == 195 &&
         minor(st.st_rdev) == 255;
}

// Cases that query a node through its NVML or nvidia-smi skip on a host with a real driver.
inline bool skip_on_gpu_host() {
  if (!host_has_nvidia_driver()) return false;
  WARN("this host has a real NVIDIA driver, which the simulated library and nvidia-smi would use: skipped");
  return true;
}

// A loaded shared library, closed at scope exit; fn<F>(name) resolves a function or throws.
class Library {
public:
  explicit Library(const std::string& path) : m_handle(::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {
    if (m_handle == nullptr) throw std::runtime_error(std::string("dlopen: ") + ::dlerror());
  }
  ~Library() { ::dlclose(m_handle); }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;

  template <class F>
  F* fn(const char* name) const {
    void* sym = ::dlsym(m_handle, name);
    if (sym == nullptr) throw std::runtime_error(std::string("dlsym: ") + name);
    return reinterpret_cast<F*>(sym);
  }

private:
  void* m_handle;
};

// NVML's and CUDA's ABI, as far as the tests call it.
using nvmlDevice_t = void*;
struct nvmlPciInfo_t {
  char busIdLegacy[16];
  unsigned domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
};
struct nvmlMemory_t {
  unsigned long long total, free, used;
};
struct nvmlDeviceAttributes_t {
  unsigned multiprocessorCount;
  unsigned sharedCopyEngineCount, sharedDecoderCount, sharedEncoderCount, sharedJpegCount, sharedOfaCount;
  unsigned gpuInstanceSliceCount, computeInstanceSliceCount;
  unsigned long long memorySizeMB;
};
constexpr int NVML_SUCCESS = 0, NVML_ERROR_UNINITIALIZED = 1, NVML_ERROR_INVALID_ARGUMENT = 2,
              NVML_ERROR_NOT_SUPPORTED = 3, NVML_ERROR_NOT_FOUND = 6, NVML_ERROR_INSUFFICIENT_SIZE = 7, NVML_ERROR_DRIVER_NOT_LOADED = 9;
constexpr int CUDA_SUCCESS = 0, CUDA_ERROR_NOT_INITIALIZED = 3, CUDA_ERROR_NO_DEVICE = 100;

} // namespace nvrunc::test
