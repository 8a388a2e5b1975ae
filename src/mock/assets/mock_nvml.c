/* The simulated NVIDIA driver library, NVML half: the subset of NVML's ABI that nvidia-smi,
 * nvrunc's discovery and the usual CI tools call. Declarations follow nvml.h (not available here);
 * return codes, struct layouts and buffer rules are NVML's. Devices are the visible GPUs of
 * mock_scan(), indexed by their position, as real NVML indexes the GPUs a container was given. MIG
 * device handles (mock_nvml_mig.c) answer name, UUID and memory; GPU-wide queries (PCI, compute
 * capability, brand) answer for their parent; the rest say NVML_ERROR_NOT_SUPPORTED. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "mock_nvml.h"

typedef struct { /* the layout behind the unversioned nvmlDeviceGetPciInfo symbol */
  char busId[16];
  unsigned domain, bus, device, pciDeviceId, pciSubSystemId;
  unsigned reserved[4];
} nvmlPciInfoV1_t;

static pthread_mutex_t g_nvml_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_refs;
static struct mock_view g_view;

static nvmlReturn_t nvml_init(void) {
  static struct mock_view view;
  nvmlReturn_t rc = NVML_SUCCESS;
  pthread_mutex_lock(&g_nvml_lock);
  if (g_refs == 0) {
    mock_scan(&view);
    if (view.status == MOCK_NO_PERMISSION) rc = NVML_ERROR_NO_PERMISSION;
    else if (view.status != MOCK_OK) rc = NVML_ERROR_DRIVER_NOT_LOADED;
    else g_view = view;
  }
  if (rc == NVML_SUCCESS) g_refs++;
  pthread_mutex_unlock(&g_nvml_lock);
  return rc;
}

static int initialized(void) {
  pthread_mutex_lock(&g_nvml_lock);
  int refs = g_refs;
  pthread_mutex_unlock(&g_nvml_lock);
  return refs > 0;
}

const struct mock_view* nvml_view(void) { return initialized() ? &g_view : NULL; }

unsigned nvml_slot(const struct mock_view* view, const struct mock_gpu* gpu) {
  for (unsigned i = 0; i < view->count; i++)
    if (view->gpus[i] == gpu) return i;
  return 0;
}

nvmlReturn_t nvml_resolve(nvmlDevice_t dev, const void* out, int mig_ok, const struct mock_gpu** gpu,
                          const struct mock_mig** mig) {
  if (!initialized()) return NVML_ERROR_UNINITIALIZED;
  *gpu = NULL;
  *mig = NULL;
  for (unsigned i = 0; i < g_view.count && *gpu == NULL; i++) {
    if (g_view.gpus[i] == dev) *gpu = g_view.gpus[i];
    for (unsigned j = 0; j < g_view.mig_count[i] && *gpu == NULL; j++)
      if (g_view.migs[i][j] == dev) *mig = g_view.migs[i][j], *gpu = g_view.gpus[i];
  }
  if (*gpu == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  if (*mig != NULL && !mig_ok) return NVML_ERROR_NOT_SUPPORTED;
  return out == NULL ? NVML_ERROR_INVALID_ARGUMENT : NVML_SUCCESS;
}

nvmlReturn_t nvml_copy_out(char* out, unsigned length, const char* text) {
  if (out == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  return mock_copy(out, length, text) ? NVML_SUCCESS : NVML_ERROR_INSUFFICIENT_SIZE;
}

/* A physical GPU's handle, for calls MIG devices do not answer. */
static nvmlReturn_t gpu_args(nvmlDevice_t dev, const void* out, const struct mock_gpu** gpu) {
  const struct mock_mig* mig;
  return nvml_resolve(dev, out, 0, gpu, &mig);
}

/* A GPU's or a MIG device's handle, for GPU-wide readings a MIG device shares with its parent. */
static nvmlReturn_t parent_args(nvmlDevice_t dev, const void* out, const struct mock_gpu** gpu) {
  const struct mock_mig* mig;
  return nvml_resolve(dev, out, 1, gpu, &mig);
}

MOCK_EXPORT nvmlReturn_t nvmlInit_v2(void) { return nvml_init(); }
MOCK_EXPORT nvmlReturn_t nvmlInit(void) { return nvml_init(); }
MOCK_EXPORT nvmlReturn_t nvmlInitWithFlags(unsigned flags) {
  (void)flags;
  return nvml_init();
}

MOCK_EXPORT nvmlReturn_t nvmlShutdown(void) {
  nvmlReturn_t rc = NVML_SUCCESS;
  pthread_mutex_lock(&g_nvml_lock);
  if (g_refs == 0) rc = NVML_ERROR_UNINITIALIZED;
  else g_refs--;
  pthread_mutex_unlock(&g_nvml_lock);
  return rc;
}

MOCK_EXPORT const char* nvmlErrorString(nvmlReturn_t rc) {
  switch (rc) {
  case NVML_SUCCESS: return "Success";
  case NVML_ERROR_UNINITIALIZED: return "Uninitialized";
  case NVML_ERROR_INVALID_ARGUMENT: return "Invalid Argument";
  case NVML_ERROR_NOT_SUPPORTED: return "Not Supported";
  case NVML_ERROR_NO_PERMISSION: return "Insufficient Permissions";
  case NVML_ERROR_NOT_FOUND: return "Not Found";
  case NVML_ERROR_INSUFFICIENT_SIZE: return "Insufficient Size";
  case NVML_ERROR_DRIVER_NOT_LOADED: return "Driver Not Loaded";
  default: return "Unknown Error";
  }
}

MOCK_EXPORT nvmlReturn_t nvmlSystemGetDriverVersion(char* version, unsigned length) {
  if (!initialized()) return NVML_ERROR_UNINITIALIZED;
  return nvml_copy_out(version, length, mock_driver_version());
}

/* Real NVML reports "<CUDA major>.<driver version>", e.g. 12.550.54.15. */
MOCK_EXPORT nvmlReturn_t nvmlSystemGetNVMLVersion(char* version, unsigned length) {
  char text[64];
  snprintf(text, sizeof text, "%d.%s", mock_cuda_version() / 1000, mock_driver_version());
  return nvml_copy_out(version, length, text);
}

MOCK_EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion(int* version) {
  if (version == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  *version = mock_cuda_version();
  return NVML_SUCCESS;
}
MOCK_EXPORT nvmlReturn_t nvmlSystemGetCudaDriverVersion_v2(int* version) {
  return nvmlSystemGetCudaDriverVersion(version);
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetCount_v2(unsigned* count) {
  if (!initialized()) return NVML_ERROR_UNINITIALIZED;
  if (count == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  *count = g_view.count;
  return NVML_SUCCESS;
}
MOCK_EXPORT nvmlReturn_t nvmlDeviceGetCount(unsigned* count) { return nvmlDeviceGetCount_v2(count); }

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned index, nvmlDevice_t* device) {
  if (!initialized()) return NVML_ERROR_UNINITIALIZED;
  if (device == NULL || index >= g_view.count) return NVML_ERROR_INVALID_ARGUMENT;
  *device = g_view.gpus[index];
  return NVML_SUCCESS;
}
MOCK_EXPORT nvmlReturn_t nvmlDeviceGetHandleByIndex(unsigned index, nvmlDevice_t* device) {
  return nvmlDeviceGetHandleByIndex_v2(index, device);
}

/* GPU UUIDs, and since R470 MIG device UUIDs too. */
MOCK_EXPORT nvmlReturn_t nvmlDeviceGetHandleByUUID(const char* uuid, nvmlDevice_t* device) {
  if (!initialized()) return NVML_ERROR_UNINITIALIZED;
  if (uuid == NULL || device == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  for (unsigned i = 0; i < g_view.count; i++) {
    if (strcmp(g_view.gpus[i]->uuid, uuid) == 0) {
      *device = g_view.gpus[i];
      return NVML_SUCCESS;
    }
    for (unsigned j = 0; j < g_view.mig_count[i]; j++)
      if (strcmp(g_view.migs[i][j]->uuid, uuid) == 0) {
        *device = g_view.migs[i][j];
        return NVML_SUCCESS;
      }
  }
  return NVML_ERROR_NOT_FOUND;
}

/* Accepts both "00000000:07:00.0" and the legacy "0000:07:00.0", in either case. */
MOCK_EXPORT nvmlReturn_t nvmlDeviceGetHandleByPciBusId_v2(const char* bus_id, nvmlDevice_t* device) {
  if (!initialized()) return NVML_ERROR_UNINITIALIZED;
  unsigned domain, bus, dev, fn;
  if (bus_id == NULL || device == NULL || sscanf(bus_id, "%x:%x:%x.%x", &domain, &bus, &dev, &fn) != 4)
    return NVML_ERROR_INVALID_ARGUMENT;
  for (unsigned i = 0; i < g_view.count; i++) {
    const struct mock_gpu* g = g_view.gpus[i];
    if (g->domain != domain || g->bus != bus || g->device != dev || g->function != fn) continue;
    *device = g;
    return NVML_SUCCESS;
  }
  return NVML_ERROR_NOT_FOUND;
}
MOCK_EXPORT nvmlReturn_t nvmlDeviceGetHandleByPciBusId(const char* bus_id, nvmlDevice_t* device) {
  return nvmlDeviceGetHandleByPciBusId_v2(bus_id, device);
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetIndex(nvmlDevice_t dev, unsigned* index) {
  const struct mock_gpu* g;
  nvmlReturn_t rc = gpu_args(dev, index, &g);
  if (rc != NVML_SUCCESS) return rc;
  *index = nvml_slot(&g_view, g);
  return NVML_SUCCESS;
}

/* A MIG device is named after its parent and profile: "NVIDIA A100-SXM4-80GB MIG 1g.10gb". */
MOCK_EXPORT nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t dev, char* name, unsigned length) {
  const struct mock_gpu* g;
  const struct mock_mig* m;
  nvmlReturn_t rc = nvml_resolve(dev, name, 1, &g, &m);
  if (rc != NVML_SUCCESS) return rc;
  if (m == NULL) return nvml_copy_out(name, length, g->name);
  char text[MOCK_NAME_SIZE + MOCK_PROFILE_SIZE + 8];
  snprintf(text, sizeof text, "%s MIG %s", g->name, m->profile);
  return nvml_copy_out(name, length, text);
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetUUID(nvmlDevice_t dev, char* uuid, unsigned length) {
  const struct mock_gpu* g;
  const struct mock_mig* m;
  nvmlReturn_t rc = nvml_resolve(dev, uuid, 1, &g, &m);
  if (rc != NVML_SUCCESS) return rc;
  return nvml_copy_out(uuid, length, m != NULL ? m->uuid : g->uuid);
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetMinorNumber(nvmlDevice_t dev, unsigned* minor) {
  const struct mock_gpu* g;
  nvmlReturn_t rc = gpu_args(dev, minor, &g);
  if (rc != NVML_SUCCESS) return rc;
  *minor = g->minor;
  return NVML_SUCCESS;
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v3(nvmlDevice_t dev, nvmlPciInfo_t* pci) {
  const struct mock_gpu* g;
  nvmlReturn_t rc = parent_args(dev, pci, &g);
  if (rc != NVML_SUCCESS) return rc;
  memset(pci, 0, sizeof *pci);
  snprintf(pci->busIdLegacy, sizeof pci->busIdLegacy, "%04x:%02x:%02x.%x", g->domain & 0xffff, g->bus, g->device,
           g->function);
  snprintf(pci->busId, sizeof pci->busId, "%08x:%02x:%02x.%x", g->domain, g->bus, g->device, g->function);
  pci->domain = g->domain;
  pci->bus = g->bus;
  pci->device = g->device;
  pci->pciDeviceId = g->pci_device_id;
  pci->pciSubSystemId = g->pci_subsystem_id;
  return NVML_SUCCESS;
}
MOCK_EXPORT nvmlReturn_t nvmlDeviceGetPciInfo_v2(nvmlDevice_t dev, nvmlPciInfo_t* pci) {
  return nvmlDeviceGetPciInfo_v3(dev, pci);
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetPciInfo(nvmlDevice_t dev, nvmlPciInfoV1_t* pci) {
  nvmlPciInfo_t v3;
  nvmlReturn_t rc = nvmlDeviceGetPciInfo_v3(dev, &v3);
  if (rc != NVML_SUCCESS) return rc;
  if (pci == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  memset(pci, 0, sizeof *pci);
  memcpy(pci->busId, v3.busIdLegacy, sizeof pci->busId);
  pci->domain = v3.domain;
  pci->bus = v3.bus;
  pci->device = v3.device;
  pci->pciDeviceId = v3.pciDeviceId;
  pci->pciSubSystemId = v3.pciSubSystemId;
  return NVML_SUCCESS;
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetBrand(nvmlDevice_t dev, int* brand) {
  const struct mock_gpu* g;
  nvmlReturn_t rc = parent_args(dev, brand, &g);
  if (rc != NVML_SUCCESS) return rc;
  *brand = g->brand;
  return NVML_SUCCESS;
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetCudaComputeCapability(nvmlDevice_t dev, int* major, int* minor) {
  const struct mock_gpu* g;
  nvmlReturn_t rc = parent_args(dev, major, &g);
  if (rc != NVML_SUCCESS) return rc;
  if (minor == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  *major = g->cc_major;
  *minor = g->cc_minor;
  return NVML_SUCCESS;
}

/* A MIG device has its GPU instance's memory. */
MOCK_EXPORT nvmlReturn_t nvmlDeviceGetMemoryInfo(nvmlDevice_t dev, nvmlMemory_t* memory) {
  const struct mock_gpu* g;
  const struct mock_mig* m;
  nvmlReturn_t rc = nvml_resolve(dev, memory, 1, &g, &m);
  if (rc != NVML_SUCCESS) return rc;
  memory->total = (m != NULL ? m->memory_mib : g->memory_mib) << 20;
  memory->free = memory->total;
  memory->used = 0;
  return NVML_SUCCESS;
}

/* The readings nvidia-smi's table shows: an idle GPU with persistence mode on. */
MOCK_EXPORT nvmlReturn_t nvmlDeviceGetPersistenceMode(nvmlDevice_t dev, int* mode) {
  const struct mock_gpu* g;
  nvmlReturn_t rc = gpu_args(dev, mode, &g);
  if (rc != NVML_SUCCESS) return rc;
  *mode = 1;
  return NVML_SUCCESS;
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetTemperature(nvmlDevice_t dev, int sensor, unsigned* celsius) {
  const struct mock_gpu* g;
  nvmlReturn_t rc = gpu_args(dev, celsius, &g);
  if (rc != NVML_SUCCESS) return rc;
  if (sensor != 0) return NVML_ERROR_NOT_SUPPORTED; /* only NVML_TEMPERATURE_GPU */
  *celsius = 33;
  return NVML_SUCCESS;
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t dev, unsigned* milliwatts) {
  const struct mock_gpu* g;
  nvmlReturn_t rc = gpu_args(dev, milliwatts, &g);
  if (rc != NVML_SUCCESS) return rc;
  *milliwatts = g->power_watts * 150; /* 15% of the limit */
  return NVML_SUCCESS;
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetEnforcedPowerLimit(nvmlDevice_t dev, unsigned* milliwatts) {
  const struct mock_gpu* g;
  nvmlReturn_t rc = gpu_args(dev, milliwatts, &g);
  if (rc != NVML_SUCCESS) return rc;
  *milliwatts = g->power_watts * 1000;
  return NVML_SUCCESS;
}
