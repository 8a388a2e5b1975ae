/* The simulated NVML's internals shared by mock_nvml.c (devices) and mock_nvml_mig.c (MIG). A
 * handle (nvmlDevice_t) is a pointer to a struct mock_gpu or struct mock_mig of the node; only the
 * ones of the view taken at nvmlInit are valid. */
#ifndef NVRUNC_MOCK_NVML_H
#define NVRUNC_MOCK_NVML_H

#include "mock_driver.h"
#include "nvml_abi.h"

typedef const void* nvmlDevice_t;

/* The view of the first nvmlInit that is still initialised; NULL before nvmlInit. */
const struct mock_view* nvml_view(void);

/* The checks every per-device call starts with: NVML initialised, a handle this library gave out,
 * a non-NULL output. `*gpu` is the GPU the call answers for (a MIG device's parent) and `*mig` the
 * MIG device or NULL. With `mig_ok` false a MIG handle gets NVML_ERROR_NOT_SUPPORTED. */
nvmlReturn_t nvml_resolve(nvmlDevice_t dev, const void* out, int mig_ok, const struct mock_gpu** gpu,
                          const struct mock_mig** mig);

/* The position of a visible GPU in the view. */
unsigned nvml_slot(const struct mock_view* view, const struct mock_gpu* gpu);

nvmlReturn_t nvml_copy_out(char* out, unsigned length, const char* text);

#endif
