/* The simulated NVML's MIG API (nvml.h's "MIG" section): mode, enumeration of the MIG devices
 * whose capabilities this process holds (mock_scan), and their identities. Return codes follow the
 * NVML documentation: MIG calls on a GPU without MIG say NVML_ERROR_NOT_SUPPORTED, a MIG device
 * index past the last one NVML_ERROR_NOT_FOUND (callers such as libnvidia-container and go-nvlib
 * treat that as "no device here" and go on). */
#include <stddef.h>

#include "mock_nvml.h"

static nvmlReturn_t gpu_only(nvmlDevice_t dev, const void* out, const struct mock_gpu** gpu) {
  const struct mock_mig* mig;
  return nvml_resolve(dev, out, 0, gpu, &mig);
}

/* A MIG device's handle; a physical GPU's gets NVML_ERROR_NOT_SUPPORTED. */
static nvmlReturn_t mig_only(nvmlDevice_t dev, const void* out, const struct mock_mig** mig) {
  const struct mock_gpu* gpu;
  nvmlReturn_t rc = nvml_resolve(dev, out, 1, &gpu, mig);
  if (rc == NVML_SUCCESS && *mig == NULL) return NVML_ERROR_NOT_SUPPORTED;
  return rc;
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetMigMode(nvmlDevice_t dev, unsigned* current, unsigned* pending) {
  const struct mock_gpu* g;
  nvmlReturn_t rc = gpu_only(dev, current, &g);
  if (rc != NVML_SUCCESS) return rc;
  if (pending == NULL) return NVML_ERROR_INVALID_ARGUMENT;
  if (!g->mig_capable) return NVML_ERROR_NOT_SUPPORTED;
  *current = *pending = g->mig_enabled ? NVML_DEVICE_MIG_ENABLE : NVML_DEVICE_MIG_DISABLE;
  return NVML_SUCCESS;
}

/* "Returns zero if MIG is not supported or enabled." */
MOCK_EXPORT nvmlReturn_t nvmlDeviceGetMaxMigDeviceCount(nvmlDevice_t dev, unsigned* count) {
  const struct mock_gpu* g;
  nvmlReturn_t rc = gpu_only(dev, count, &g);
  if (rc != NVML_SUCCESS) return rc;
  *count = g->mig_enabled ? MOCK_MAX_MIG_PER_GPU : 0;
  return NVML_SUCCESS;
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetMigDeviceHandleByIndex(nvmlDevice_t dev, unsigned index, nvmlDevice_t* mig) {
  const struct mock_gpu* g;
  nvmlReturn_t rc = gpu_only(dev, mig, &g);
  if (rc != NVML_SUCCESS) return rc;
  if (!g->mig_capable) return NVML_ERROR_NOT_SUPPORTED;
  const struct mock_view* view = nvml_view();
  const unsigned slot = nvml_slot(view, g);
  if (index >= view->mig_count[slot]) return NVML_ERROR_NOT_FOUND;
  *mig = view->migs[slot][index];
  return NVML_SUCCESS;
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceIsMigDeviceHandle(nvmlDevice_t dev, unsigned* is_mig) {
  const struct mock_gpu* g;
  const struct mock_mig* m;
  nvmlReturn_t rc = nvml_resolve(dev, is_mig, 1, &g, &m);
  if (rc != NVML_SUCCESS) return rc;
  *is_mig = m != NULL;
  return NVML_SUCCESS;
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetDeviceHandleFromMigDeviceHandle(nvmlDevice_t mig, nvmlDevice_t* dev) {
  const struct mock_mig* m;
  nvmlReturn_t rc = mig_only(mig, dev, &m);
  if (rc == NVML_ERROR_NOT_SUPPORTED) return NVML_ERROR_INVALID_ARGUMENT; /* a GPU handle: no parent */
  if (rc != NVML_SUCCESS) return rc;
  *dev = m->parent;
  return NVML_SUCCESS;
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetGpuInstanceId(nvmlDevice_t dev, unsigned* id) {
  const struct mock_mig* m;
  nvmlReturn_t rc = mig_only(dev, id, &m);
  if (rc != NVML_SUCCESS) return rc;
  *id = m->gi;
  return NVML_SUCCESS;
}

MOCK_EXPORT nvmlReturn_t nvmlDeviceGetComputeInstanceId(nvmlDevice_t dev, unsigned* id) {
  const struct mock_mig* m;
  nvmlReturn_t rc = mig_only(dev, id, &m);
  if (rc != NVML_SUCCESS) return rc;
  *id = m->ci;
  return NVML_SUCCESS;
}

/* SMs per compute slice: 14 on A100 (98 in MIG mode), 16 on H100/H200 (132). */
MOCK_EXPORT nvmlReturn_t nvmlDeviceGetAttributes_v2(nvmlDevice_t dev, nvmlDeviceAttributes_t* attributes) {
  const struct mock_mig* m;
  nvmlReturn_t rc = mig_only(dev, attributes, &m);
  if (rc != NVML_SUCCESS) return rc;
  nvmlDeviceAttributes_t a = {0};
  a.multiprocessorCount = m->ci_slices * (m->parent->cc_major >= 9 ? 16 : 14);
  a.sharedCopyEngineCount = m->gi_slices;
  a.sharedDecoderCount = m->gi_slices / 2;
  a.gpuInstanceSliceCount = m->gi_slices;
  a.computeInstanceSliceCount = m->ci_slices;
  a.memorySizeMB = m->memory_mib;
  *attributes = a;
  return NVML_SUCCESS;
}
MOCK_EXPORT nvmlReturn_t nvmlDeviceGetAttributes(nvmlDevice_t dev, nvmlDeviceAttributes_t* attributes) {
  return nvmlDeviceGetAttributes_v2(dev, attributes);
}
