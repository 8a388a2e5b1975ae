/* The simulated NVIDIA driver library, CUDA half: the device-enumeration part of the CUDA driver
 * API (cuda.h is not available here; the declarations follow it). No contexts, no memory, no
 * kernels: enough for "does the container see its GPUs through libcuda.so.1".
 *
 * Enumeration as the real driver does it (MIG user guide, "CUDA device enumeration"): a GPU without
 * MIG is one device; a MIG-enabled GPU is replaced by its visible MIG devices (none: it cannot run
 * CUDA). CUDA_VISIBLE_DEVICES (indexes into that list, GPU-/MIG- UUIDs or their prefixes) filters
 * it. Then the two MIG constraints of CUDA 11/R450 through 12: CUDA enumerates a single MIG device
 * (the first), and no GPU without MIG once a MIG device is enumerated. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mock_driver.h"
#include "nvml_abi.h"


/* A CUDA device: a GPU without MIG, or a MIG device (`mig` set, `gpu` its parent). */
struct cuda_device {
  const struct mock_gpu* gpu;
  const struct mock_mig* mig;
};
#define CUDA_MAX_DEVICES (MOCK_MAX_GPUS * MOCK_MAX_MIG_PER_GPU)

static pthread_mutex_t g_cuda_lock = PTHREAD_MUTEX_INITIALIZER;
static int g_ready;
static unsigned g_count;
static struct cuda_device g_devices[CUDA_MAX_DEVICES];

static const char* device_uuid(struct cuda_device d) { return d.mig != NULL ? d.mig->uuid : d.gpu->uuid; }

/* Every device CUDA could enumerate, before CUDA_VISIBLE_DEVICES and the MIG constraints. */
static unsigned candidates(const struct mock_view* view, struct cuda_device* out) {
  unsigned n = 0;
  for (unsigned i = 0; i < view->count; i++) {
    if (!view->gpus[i]->mig_enabled) out[n++] = (struct cuda_device){view->gpus[i], NULL};
    for (unsigned j = 0; view->gpus[i]->mig_enabled && j < view->mig_count[i]; j++)
      out[n++] = (struct cuda_device){view->gpus[i], view->migs[i][j]};
  }
  return n;
}

/* The candidate that one CUDA_VISIBLE_DEVICES entry names (an index or a UUID prefix), or -1. */
static int lookup_entry(const struct cuda_device* all, unsigned count, const char* entry) {
  char* end = NULL;
  unsigned long index = strtoul(entry, &end, 10);
  if (end != entry && *end == '\0') return index < count ? (int)index : -1;
  size_t n = strlen(entry);
  for (unsigned i = 0; n > 4 && i < count; i++)
    if (strncmp(device_uuid(all[i]), entry, n) == 0) return (int)i;
  return -1;
}

static int already_listed(struct cuda_device d) {
  for (unsigned i = 0; i < g_count; i++)
    if (g_devices[i].gpu == d.gpu && g_devices[i].mig == d.mig) return 1;
  return 0;
}

/* CUDA_VISIBLE_DEVICES: entries up to the first invalid or repeated one count, as in the real driver. */
static void apply_visible_devices(const struct cuda_device* all, unsigned count, const char* list) {
  char copy[1024];
  snprintf(copy, sizeof copy, "%s", list);
  char* save = NULL;
  for (char* entry = strtok_r(copy, ",", &save); entry != NULL; entry = strtok_r(NULL, ",", &save)) {
    while (*entry == ' ') entry++;
    int k = lookup_entry(all, count, entry);
    if (k < 0 || already_listed(all[k])) break;
    g_devices[g_count++] = all[k];
  }
}

/* A single MIG device, and then no GPU without MIG. */
static void apply_mig_constraints(void) {
  for (unsigned i = 0; i < g_count; i++) {
    if (g_devices[i].mig == NULL) continue;
    g_devices[0] = g_devices[i];
    g_count = 1;
    return;
  }
}

MOCK_EXPORT CUresult cuInit(unsigned flags) {
  if (flags != 0) return CUDA_ERROR_INVALID_VALUE;
  static struct mock_view view;
  static struct cuda_device all[CUDA_MAX_DEVICES];
  pthread_mutex_lock(&g_cuda_lock);
  mock_scan(&view);
  unsigned count = view.status == MOCK_OK ? candidates(&view, all) : 0;
  g_count = 0;
  const char* list = getenv("CUDA_VISIBLE_DEVICES");
  if (list != NULL) apply_visible_devices(all, count, list);
  for (unsigned i = 0; list == NULL && i < count; i++) g_devices[g_count++] = all[i];
  apply_mig_constraints();
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

/* The device behind a CUdevice, or NULL (and *rc set) when the call must fail. */
static const struct cuda_device* device_of(CUdevice dev, const void* out, CUresult* rc) {
  *rc = !g_ready ? CUDA_ERROR_NOT_INITIALIZED
        : (dev < 0 || (unsigned)dev >= g_count) ? CUDA_ERROR_INVALID_DEVICE
        : out == NULL ? CUDA_ERROR_INVALID_VALUE
                      : CUDA_SUCCESS;
  return *rc == CUDA_SUCCESS ? &g_devices[dev] : NULL;
}

/* Like the real call, a short buffer gets a truncated, NUL-terminated name; a MIG device is named
 * like NVML names it ("NVIDIA A100-SXM4-80GB MIG 1g.10gb"). */
MOCK_EXPORT CUresult cuDeviceGetName(char* name, int length, CUdevice dev) {
  CUresult rc;
  const struct cuda_device* d = device_of(dev, name, &rc);
  if (d == NULL) return rc;
  if (length <= 0) return CUDA_ERROR_INVALID_VALUE;
  if (d->mig != NULL) snprintf(name, (size_t)length, "%s MIG %s", d->gpu->name, d->mig->profile);
  else snprintf(name, (size_t)length, "%s", d->gpu->name);
  return CUDA_SUCCESS;
}

/* The 16 bytes behind "GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (or the MIG device's "MIG-…"). */
MOCK_EXPORT CUresult cuDeviceGetUuid(CUuuid* uuid, CUdevice dev) {
  CUresult rc;
  const struct cuda_device* d = device_of(dev, uuid, &rc);
  if (d == NULL) return rc;
  memset(uuid, 0, sizeof *uuid);
  const char* p = device_uuid(*d) + 4;
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
  const struct cuda_device* d = device_of(dev, bytes, &rc);
  if (d == NULL) return rc;
  *bytes = (size_t)((d->mig != NULL ? d->mig->memory_mib : d->gpu->memory_mib) << 20);
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult cuDeviceComputeCapability(int* major, int* minor, CUdevice dev) {
  CUresult rc;
  const struct cuda_device* d = device_of(dev, major, &rc);
  if (d == NULL) return rc;
  const struct mock_gpu* g = d->gpu;
  if (minor == NULL) return CUDA_ERROR_INVALID_VALUE;
  *major = g->cc_major;
  *minor = g->cc_minor;
  return CUDA_SUCCESS;
}

MOCK_EXPORT CUresult cuDeviceGetPCIBusId(char* bus_id, int length, CUdevice dev) {
  CUresult rc;
  const struct cuda_device* d = device_of(dev, bus_id, &rc);
  if (d == NULL) return rc;
  const struct mock_gpu* g = d->gpu;
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
