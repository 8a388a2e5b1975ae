/* The simulated NVIDIA driver library, CUDA half: the device-enumeration part of the CUDA driver
 * API (cuda.h is not available here; the declarations follow it). No contexts, no memory, no
 * kernels: enough for "does the container see its GPUs through libcuda.so.1". CUDA device ordinals
 * are positions among the visible GPUs, filtered by CUDA_VISIBLE_DEVICES like the real driver. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_driver.h"
#include "nvml_abi.h"


static pthread_mutex_t g_cuda_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_ready;
static unsigned g_count;
static const struct mock_gpu* g_devices[MOCK_MAX_GPUS];

/* The visible GPU that one CUDA_VISIBLE_DEVICES entry names (an index or a UUID prefix), or NULL. */
static const struct mock_gpu* lookup_entry(const struct mock_view* view, const char* entry) {
  char* end = NULL;
  unsigned long index = strtoul(entry, &end, 10);
  if (end != entry && *end == '\0') return index < view->count ? view->gpus[index] : NULL;
  size_t n = strlen(entry);
  for (unsigned i = 0; n > 4 && i < view->count; i++)
    if (strncmp(view->gpus[i]->uuid, entry, n) == 0) return view->gpus[i];
  return NULL;
}

static int already_listed(const struct mock_gpu* g) {
  for (unsigned i = 0; i < g_count; i++)
    if (g_devices[i] == g) return 1;
  return 0;
}

/* CUDA_VISIBLE_DEVICES: entries up to the first invalid or repeated one count, as in the real driver. */
static void apply_visible_devices(const struct mock_view* view, const char* list) {
  char copy[1024];
  snprintf(copy, sizeof copy, "%s", list);
  char* save = NULL;
  for (char* entry = strtok_r(copy, ",", &save); entry != NULL; entry = strtok_r(NULL, ",", &save)) {
    while (*entry == ' ') entry++;
    const struct mock_gpu* g = lookup_entry(view, entry);
    if (g == NULL || already_listed(g)) break;
    g_devices[g_count++] = g;
  }
}

MOCK_EXPORT CUresult cuInit(unsigned flags) {
  if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
  struct mock_view view;
  mock_scan(&view);
  pthread_mutex_lock(&g_cuda_lock);
  g_count = 0;
  const char* list = getenv("CUDA_VISIBLE_DEVICES");
  if (view.status == MOCK_OK && list != NULL) apply_visible_devices(&view, list);
  for (unsigned i = 0; view.status == MOCK_OK && list == NULL && i < view.count; i++)
    g_devices[g_count++] = view.gpus[i];
  g_ready = g_count > 0;
  pthread_mutex_unlock(&g_cuda_lock);
  return g_ready ? CUDA_SUCCESS : CUDA_ERROR_NO_DEVICE;
}

/* Works before cuInit, as the real one does. */
MOCK_EXPORT CUresult cuDriverGetVersion(int* version) {
  if (version == NULL) return CUDA_ERROR_INVALID_VALUE;
  *version = mock_cuda_version();
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult cuDeviceGetCount(int* count) {
  if (!g_ready) return CUDA_ERROR_NOT_INITIALIZED;
  if (count == NULL) return CUDA_ERROR_INVALID_VALUE;
  *count = (int)g_count;
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult cuDeviceGet(CUdevice* device, int ordinal) {
  if (!g_ready) return CUDA_ERROR_NOT_INITIALIZED;
  if (device == NULL) return CUDA_ERROR_INVALID_VALUE;
  if (ordinal < 0 || (unsigned)ordinal >= g_count) return CUDA_ERROR_INVALID_DEVICE;
  *device = ordinal;
  return CUDA_SUCCESS;
}

/* The GPU behind a CUdevice, or NULL (and *rc set) when the call must fail. */
static const struct mock_gpu* device_of(CUdevice dev, const void* out, CUresult* rc) {
  *rc = !g_ready ? CUDA_ERROR_NOT_INITIALIZED
        : (dev < 0 || (unsigned)dev >= g_count) ? CUDA_ERROR_INVALID_DEVICE
        : out == NULL ? CUDA_ERROR_INVALID_VALUE
                      : CUDA_SUCCESS;
  return *rc == CUDA_SUCCESS ? g_devices[dev] : NULL;
}

/* Like the real call, a short buffer gets a truncated, NUL-terminated name. */
MOCK_EXPORT CUresult cuDeviceGetName(char* name, int length, CUdevice dev) {
  CUresult rc;
  const struct mock_gpu* g = device_of(dev, name, &rc);
  if (g == NULL) return rc;
  if (length <= 0) return CUDA_ERROR_INVALID_VALUE;
  snprintf(name, (size_t)length, "%s", g->name);
  return CUDA_SUCCESS;
}

/* The 16 bytes behind "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx". */
MOCK_EXPORT CUresult cuDeviceGetUuid(CUuuid* uuid, CUdevice dev) {
  CUresult rc;
  const struct mock_gpu* g = device_of(dev, uuid, &rc);
  if (g == NULL) return rc;
  memset(uuid, 0, sizeof *uuid);
  const char* p = g->uuid + 4;
  for (unsigned i = 0; i < sizeof uuid->bytes && *p != '\0'; p++) {
    if (*p == '-') continue;
    unsigned byte = 0;
    if (sscanf(p, "%2x", &byte) != 1) break;
    uuid->bytes[i++] = (char)byte;
    p++;
  }
  return CUDA_SUCCESS;
}
MOCK_EXPORT CUresult cuDeviceGetUuid_v2(CUuuid* uuid, CUdevice dev) { return cuDeviceGetUuid(uuid, dev); }

MOCK_EXPORT CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice dev) {
  CUresult rc;
  const struct mock_gpu* g = device_of(dev, bytes, &rc);
  if (g == NULL) return rc;
  *bytes = (size_t)(g->memory_mib << 20);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult cuDeviceComputeCapability(int* major, int* minor, CUdevice dev) {
  CUresult rc;
  const struct mock_gpu* g = device_of(dev, major, &rc);
  if (g == NULL) return rc;
  if (minor == NULL) return CUDA_ERROR_INVALID_VALUE;
  *major = g->cc_major;
  *minor = g->cc_minor;
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult cuDeviceGetPCIBusId(char* bus_id, int length, CUdevice dev) {
  CUresult rc;
  const struct mock_gpu* g = device_of(dev, bus_id, &rc);
  if (g == NULL) return rc;
  if (length <= 0) return CUDA_ERROR_INVALID_VALUE;
  snprintf(bus_id, (size_t)length, "%08X:%02X:%02X.%X", g->domain, g->bus, g->device, g->function);
  return CUDA_SUCCESS;
}

static const char* error_name(CUresult rc) {
  switch (rc) {
  case CUDA_SUCCESS: return "CUDA_SUCCESS";
  case CUDA_ERROR_INVALID_VALUE: return "CUDA_ERROR_INVALID_VALUE";
  case CUDA_ERROR_NOT_INITIALIZED: return "CUDA_ERROR_NOT_INITIALIZED";
  case CUDA_ERROR_NO_DEVICE: return "CUDA_ERROR_NO_DEVICE";
  case CUDA_ERROR_INVALID_DEVICE: return "CUDA_ERROR_INVALID_DEVICE";
  }
  return NULL;
}

static const char* error_text(CUresult rc) {
  switch (rc) {
  case CUDA_SUCCESS: return "no error";
  case CUDA_ERROR_INVALID_VALUE: return "invalid argument";
  case CUDA_ERROR_NOT_INITIALIZED: return "initialization error";
  case CUDA_ERROR_NO_DEVICE: return "no CUDA-capable device is detected";
  case CUDA_ERROR_INVALID_DEVICE: return "invalid device ordinal";
  }
  return NULL;
}

MOCK_EXPORT CUresult cuGetErrorName(CUresult rc, const char** name) {
  if (name == NULL) return CUDA_ERROR_INVALID_VALUE;
  *name = error_name(rc);
  return *name != NULL ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}

MOCK_EXPORT CUresult cuGetErrorString(CUresult rc, const char** text) {
  if (text == NULL) return CUDA_ERROR_INVALID_VALUE;
  *text = error_text(rc);
  return *text != NULL ? CUDA_SUCCESS : CUDA_ERROR_INVALID_VALUE;
}
