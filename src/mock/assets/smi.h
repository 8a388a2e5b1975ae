/* The simulated nvidia-smi's parts (nvidia_smi.c: loading NVML, arguments, -L, queries;
 * smi_table.c: the summary table): the NVML functions it found by dlsym. */
#ifndef NVRUNC_MOCK_SMI_H
#define NVRUNC_MOCK_SMI_H

#include <stddef.h>

#include "nvml_abi.h"

typedef void* nvmlDevice_t;

/* Real nvidia-smi's exit codes for these cases. */
enum { EXIT_NO_LIBRARY = 12, EXIT_NO_DEVICES = 6, EXIT_BAD_ARGS = 2 };

struct nvml {
  int (*init)(void);
  int (*shutdown)(void);
  const char* (*error_string)(int);
  int (*driver_version)(char*, unsigned);
  int (*nvml_version)(char*, unsigned);
  int (*cuda_version)(int*);
  int (*count)(unsigned*);
  int (*handle)(unsigned, nvmlDevice_t*);
  int (*name)(nvmlDevice_t, char*, unsigned);
  int (*uuid)(nvmlDevice_t, char*, unsigned);
  /* optional: shown as N/A when missing or failing */
  int (*pci)(nvmlDevice_t, nvmlPciInfo_t*);
  int (*memory)(nvmlDevice_t, nvmlMemory_t*);
  int (*mig)(nvmlDevice_t, unsigned*, unsigned*);
  int (*persistence)(nvmlDevice_t, int*);
  int (*temperature)(nvmlDevice_t, int, unsigned*);
  int (*power)(nvmlDevice_t, unsigned*);
  int (*power_limit)(nvmlDevice_t, unsigned*);
  int (*max_mig)(nvmlDevice_t, unsigned*);
  int (*mig_handle)(nvmlDevice_t, unsigned, nvmlDevice_t*);
  int (*gi_id)(nvmlDevice_t, unsigned*);
  int (*ci_id)(nvmlDevice_t, unsigned*);
  int (*attributes)(nvmlDevice_t, nvmlDeviceAttributes_t*);
};

extern struct nvml N;

unsigned device_count(void);
void cuda_version_text(char* out, size_t size);
int print_table(void);

#endif
