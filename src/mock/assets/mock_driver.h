/* The simulated NVIDIA driver library (libnvidia-ml and libcuda in one ELF): what its NVML and CUDA
 * halves share. The node it simulates is a text description that `nvrunc-ctl mock-driver` patches
 * into the library file (see mock_driver.c for the format), so the library answers the same
 * wherever it is mounted: on the host node or inside a container. */
#ifndef NVRUNC_MOCK_DRIVER_H
#define NVRUNC_MOCK_DRIVER_H

#define MOCK_EXPORT __attribute__((visibility("default")))
#define MOCK_MAX_GPUS 64
#define MOCK_MAX_MIG_PER_GPU 7 /* nvmlDeviceGetMaxMigDeviceCount of A100/H100/H200 */
#define MOCK_MAX_MIGS (32 * MOCK_MAX_MIG_PER_GPU) /* MIG needs a GPU minor below 32 */
#define MOCK_NAME_SIZE 96
#define MOCK_UUID_SIZE 48
#define MOCK_PROFILE_SIZE 32

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
  int mig_enabled;           /* MIG mode current = pending = enabled */
  char name[MOCK_NAME_SIZE];
};

/* A MIG device: compute instance `ci` of GPU instance `gi` on the GPU with minor `gpu_minor`. Its
 * GI and CI access capabilities are the nvidia-caps nodes with minors gi_cap and ci_cap. */
struct mock_mig {
  unsigned gpu_minor;
  unsigned gi, ci, gi_cap, ci_cap;
  unsigned gi_slices, ci_slices;
  unsigned long long memory_mib;
  char uuid[MOCK_UUID_SIZE]; /* MIG-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx */
  char profile[MOCK_PROFILE_SIZE]; /* "1g.10gb", "1c.3g.40gb" */
  const struct mock_gpu* parent;
};

/* How opening the node's control device went: the driver is usable, absent, or denied to us. */
enum mock_status { MOCK_OK = 0, MOCK_NO_DRIVER, MOCK_NO_PERMISSION };

/* The GPUs this process may use: those of the description whose /dev/nvidia<minor> opens like a
 * real node would (success, or ENXIO: node present and allowed, no kernel driver behind it), and on
 * each MIG-enabled one the MIG devices whose GI and CI capability nodes open the same way.
 * Computed by mock_scan(); positions in these lists are NVML indexes. */
struct mock_view {
  enum mock_status status;
  unsigned count;
  const struct mock_gpu* gpus[MOCK_MAX_GPUS];
  unsigned mig_count[MOCK_MAX_GPUS];
  const struct mock_mig* migs[MOCK_MAX_GPUS][MOCK_MAX_MIG_PER_GPU];
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
