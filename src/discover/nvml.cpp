#include "nvrunc/discover/nvml.hpp"

#include <dlfcn.h>

#include <cstdio>

#include "nvrunc/discover/procfs.hpp"

namespace nvrunc::discover {

namespace {

// NVML's ABI (nvml.h), as far as we call it.
using Device = void*;
struct PciInfo { // nvmlPciInfo_t v3
  char bus_id_legacy[16];
  unsigned domain, bus, device, pci_device_id, pci_subsystem_id;
  char bus_id[32];
};
constexpr int nvml_success = 0;
constexpr int nvml_mig_enable = 1;

class Library {
public:
  explicit Library(const std::string& path) : m_handle(::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL)) {}
  ~Library() {
    if (m_handle) ::dlclose(m_handle);
  }
  Library(const Library&) = delete;
  Library& operator=(const Library&) = delete;
  bool loaded() const { return m_handle != nullptr; }
  template <class F>
  F* fn(const char* name) const {
    return reinterpret_cast<F*>(::dlsym(m_handle, name));
  }

private:
  void* m_handle;
};

struct Api {
  int (*init)() = nullptr;
  int (*shutdown)() = nullptr;
  const char* (*error_string)(int) = nullptr;
  int (*cuda_version)(int*) = nullptr;
  int (*count)(unsigned*) = nullptr;
  int (*handle)(unsigned, Device*) = nullptr;
  int (*uuid)(Device, char*, unsigned) = nullptr;
  int (*name)(Device, char*, unsigned) = nullptr;
  int (*pci)(Device, PciInfo*) = nullptr;
  int (*brand)(Device, int*) = nullptr;
  int (*capability)(Device, int*, int*) = nullptr;
  int (*mig_mode)(Device, unsigned*, unsigned*) = nullptr;
  int (*mig_count)(Device, unsigned*) = nullptr;
  int (*mig_handle)(Device, unsigned, Device*) = nullptr;
  int (*gi_id)(Device, unsigned*) = nullptr;
  int (*ci_id)(Device, unsigned*) = nullptr;
};

Api bind(const Library& lib) {
  Api a;
  a.init = lib.fn<int()>("nvmlInit_v2");
  a.shutdown = lib.fn<int()>("nvmlShutdown");
  a.error_string = lib.fn<const char*(int)>("nvmlErrorString");
  a.cuda_version = lib.fn<int(int*)>("nvmlSystemGetCudaDriverVersion_v2");
  if (!a.cuda_version) a.cuda_version = lib.fn<int(int*)>("nvmlSystemGetCudaDriverVersion");
  a.count = lib.fn<int(unsigned*)>("nvmlDeviceGetCount_v2");
  a.handle = lib.fn<int(unsigned, Device*)>("nvmlDeviceGetHandleByIndex_v2");
  a.uuid = lib.fn<int(Device, char*, unsigned)>("nvmlDeviceGetUUID");
  a.name = lib.fn<int(Device, char*, unsigned)>("nvmlDeviceGetName");
  a.pci = lib.fn<int(Device, PciInfo*)>("nvmlDeviceGetPciInfo_v3");
  a.brand = lib.fn<int(Device, int*)>("nvmlDeviceGetBrand");
  a.capability = lib.fn<int(Device, int*, int*)>("nvmlDeviceGetCudaComputeCapability");
  a.mig_mode = lib.fn<int(Device, unsigned*, unsigned*)>("nvmlDeviceGetMigMode");
  a.mig_count = lib.fn<int(Device, unsigned*)>("nvmlDeviceGetMaxMigDeviceCount");
  a.mig_handle = lib.fn<int(Device, unsigned, Device*)>("nvmlDeviceGetMigDeviceHandleByIndex");
  a.gi_id = lib.fn<int(Device, unsigned*)>("nvmlDeviceGetGpuInstanceId");
  a.ci_id = lib.fn<int(Device, unsigned*)>("nvmlDeviceGetComputeInstanceId");
  return a;
}

std::string text_of(int (*f)(Device, char*, unsigned), Device d) {
  char buf[256] = {0};
  return f && f(d, buf, sizeof buf) == nvml_success ? std::string(buf) : std::string();
}

std::vector<NvmlMigDevice> mig_devices(const Api& a, Device gpu) {
  std::vector<NvmlMigDevice> out;
  unsigned max = 0;
  if (!a.mig_count || !a.mig_handle || a.mig_count(gpu, &max) != nvml_success) return out;
  for (unsigned i = 0; i < max && i < 64; ++i) {
    Device mig = nullptr;
    if (a.mig_handle(gpu, i, &mig) != nvml_success) continue; // NOT_FOUND: an unused slot
    NvmlMigDevice m;
    m.index = static_cast<unsigned>(out.size());
    m.uuid = text_of(a.uuid, mig);
    m.name = text_of(a.name, mig);
    if (a.gi_id) a.gi_id(mig, &m.gi);
    if (a.ci_id) a.ci_id(mig, &m.ci);
    out.push_back(std::move(m));
  }
  return out;
}

NvmlGpu gpu_facts(const Api& a, Device d) {
  NvmlGpu g;
  g.uuid = text_of(a.uuid, d);
  g.name = text_of(a.name, d);
  PciInfo pci{};
  if (a.pci && a.pci(d, &pci) == nvml_success) g.bus_id = normalize_bus_id(pci.bus_id).value_or("");
  int brand = 0, major = 0, minor = 0;
  if (a.brand && a.brand(d, &brand) == nvml_success) g.brand = brand;
  if (a.capability && a.capability(d, &major, &minor) == nvml_success)
    g.arch = std::to_string(major) + "." + std::to_string(minor);
  unsigned current = 0, pending = 0;
  if (a.mig_mode && a.mig_mode(d, &current, &pending) == nvml_success && current == nvml_mig_enable) {
    g.mig_enabled = true;
    g.mig = mig_devices(a, d);
  }
  return g;
}

} // namespace

Result<NvmlFacts> query_nvml(const std::string& library_host_path) {
  Library lib(library_host_path);
  if (!lib.loaded())
    return fail(Errc::driver_missing, "load NVML `" + library_host_path + "`: " + std::string(::dlerror()));
  const Api a = bind(lib);
  if (!a.init || !a.shutdown || !a.count || !a.handle)
    return fail(Errc::driver_missing, "load NVML `" + library_host_path + "`: not an NVML library");
  if (int rc = a.init(); rc != nvml_success)
    return fail(Errc::driver_missing, "initialise NVML: " + std::string(a.error_string ? a.error_string(rc) : "error ") +
                                          (a.error_string ? "" : std::to_string(rc)));
  NvmlFacts facts;
  int cuda = 0;
  if (a.cuda_version && a.cuda_version(&cuda) == nvml_success && cuda > 0)
    facts.cuda_version = std::to_string(cuda / 1000) + "." + std::to_string((cuda % 1000) / 10);
  unsigned count = 0;
  if (a.count(&count) == nvml_success)
    for (unsigned i = 0; i < count && i < 256; ++i) {
      Device d = nullptr;
      if (a.handle(i, &d) == nvml_success) facts.gpus.push_back(gpu_facts(a, d));
    }
  a.shutdown();
  return facts;
}

} // namespace nvrunc::discover
