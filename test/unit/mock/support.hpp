// Helpers for the simulated node's tests: temporary directories, running a command, loading a
// simulated driver library with dlopen.
#pragma once

#include <dlfcn.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace nvrunc::test {

namespace fs = std::filesystem;

// A directory under $TMPDIR removed with everything in it at scope exit.
class TempDir {
public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "nvrunc-mock-test-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    m_path = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(m_path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return m_path; }
  std::string str() const { return m_path.string(); }

private:
  fs::path m_path;
};

inline std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void write_bytes(const fs::path& p, const std::string& bytes) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << bytes;
}

struct CommandResult {
  int status = -1; // exit status, -1 when it did not exit normally
  std::string out; // stdout (stderr is left to the test log)
};

// Runs a shell command line and captures its stdout.
inline CommandResult run_command(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return result;
  char buf[4096];
  for (size_t n; (n = std::fread(buf, 1, sizeof buf, pipe)) > 0;) result.out.append(buf, n);
  int status = ::pclose(pipe);
  result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

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
constexpr int NVML_SUCCESS = 0, NVML_ERROR_UNINITIALIZED = 1, NVML_ERROR_INVALID_ARGUMENT = 2,
              NVML_ERROR_NOT_FOUND = 6, NVML_ERROR_INSUFFICIENT_SIZE = 7, NVML_ERROR_DRIVER_NOT_LOADED = 9;
constexpr int CUDA_SUCCESS = 0, CUDA_ERROR_NOT_INITIALIZED = 3, CUDA_ERROR_NO_DEVICE = 100;

} // namespace nvrunc::test
