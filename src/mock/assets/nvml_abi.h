/* NVML's and the CUDA driver API's public ABI, as far as nvrunc's C programs use it: the simulated
 * libraries, the simulated nvidia-smi and nvrunc-probe (which also runs against real drivers).
 * Written from the published API (nvml.h and cuda.h are not available here); return codes and
 * struct layouts are the real ones. */
#ifndef NVRUNC_NVML_ABI_H
#define NVRUNC_NVML_ABI_H

typedef enum {
  NVML_SUCCESS = 0,
  NVML_ERROR_UNINITIALIZED = 1,
  NVML_ERROR_INVALID_ARGUMENT = 2,
  NVML_ERROR_NOT_SUPPORTED = 3,
  NVML_ERROR_NO_PERMISSION = 4,
  NVML_ERROR_NOT_FOUND = 6,
  NVML_ERROR_INSUFFICIENT_SIZE = 7,
  NVML_ERROR_DRIVER_NOT_LOADED = 9,
  NVML_ERROR_UNKNOWN = 999,
} nvmlReturn_t;

typedef struct { /* nvmlPciInfo_t, versions 2 and 3 */
  char busIdLegacy[16];
  unsigned domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
} nvmlPciInfo_t;

typedef struct {
  unsigned long long total, free, used;
} nvmlMemory_t;

typedef struct { /* nvmlDeviceAttributes_t: what nvmlDeviceGetAttributes_v2 fills in */
  unsigned multiprocessorCount;
  unsigned sharedCopyEngineCount, sharedDecoderCount, sharedEncoderCount, sharedJpegCount, sharedOfaCount;
  unsigned gpuInstanceSliceCount, computeInstanceSliceCount;
  unsigned long long memorySizeMB;
} nvmlDeviceAttributes_t;

#define NVML_DEVICE_MIG_DISABLE 0
#define NVML_DEVICE_MIG_ENABLE 1

typedef enum {
  CUDA_SUCCESS = 0,
  CUDA_ERROR_INVALID_VALUE = 1,
  CUDA_ERROR_NOT_INITIALIZED = 3,
  CUDA_ERROR_NO_DEVICE = 100,
  CUDA_ERROR_INVALID_DEVICE = 101,
} CUresult;

typedef int CUdevice;
typedef struct {
  char bytes[16];
} CUuuid;

#endif
