/* The simulated NVIDIA driver library (libnvidia-ml and libcuda in one ELF): what its NVML and CUDA
 * halves share. The node it simulates is a text description that `nvrunc-ctl mock-driver` patches
 * into the library file (see mock_driver.c for the format), so the library answers the same
 * wherever it is mounted: on the host node or inside a container. */
#ifndef NVRUNC_MOCK_DRIVER_H
#define NVRUNC_MOCK_DRIVER_H

#define MOCK_EXPORT __attribute__((visibility("default")))
#define MOCK_MAX_GPUS 64
#define MOCK_NAME_SIZE 96
#define MOCK_UUID_SIZE 48

struct mock_gpu {
  unsigned minor;
  char uuid[MOCK_UUID_SIZE]; /* GPU-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx */
  unsigned domain, bus, device, function;
  unsigned pci_device_id;    /* device << 16 | vendor (0x10de), as NVML reports it */
  unsigned pci_subsystem_id;
  int brand;                 /* nvmlBrandType */
  int cc_major, cc_minor;
  unsigned long long memory_mib;
  unsigned power_watts;
  int mig_capable;
  char name[MOCK_NAME_SIZE];
};

/* How opening the node's control device went: the driver is usable, absent, or denied to us. */
enum mock_status { MOCK_OK = 0, MOCK_NO_DRIVER, MOCK_NO_PERMISSION };

/* The GPUs this process may use: those of the description whose /dev/nvidia<minor> opens like a
 * real node would (success, or ENXIO: node present and allowed, no kernel driver behind it).
 * Computed by mock_scan(); positions in this list are NVML indexes. */
struct mock_view {
  enum mock_status status;
  unsigned count;
  const struct mock_gpu* gpus[MOCK_MAX_GPUS];
};

/* The driver version ("550.54.15") and CUDA driver version (12040) of the description; "" and 0
 * when the library was never patched. */
const char* mock_driver_version(void);
int mock_cuda_version(void);

/* Parses the description (once) and probes the device nodes (every call). Thread-safe. */
void mock_scan(struct mock_view* view);

/* Copies `text` into `out` of `size` bytes; returns 0 when it does not fit (nothing written). */
int mock_copy(char* out, unsigned long size, const char* text);

#endif
