/* The simulated node's driver binaries, one multi-call executable. As `nvidia-smi` it prints through
 * NVML, like the real one: it loads libnvidia-ml.so.1 by SONAME (or, on the host side of a
 * simulated node, from ../lib/x86_64-linux-gnu next to itself), so it works against the simulated
 * library and against a real driver alike. Output formats copy nvidia-smi 5xx (-L exactly, with
 * the MIG devices of MIG-enabled GPUs under their GPU; the summary table closely: smi_table.c).
 * Under any other name it says what it is and exits 0. */
#include <dlfcn.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "smi.h"

struct nvml N;

static void* open_nvml(void) {
  void* h = dlopen("libnvidia-ml.so.1", RTLD_NOW | RTLD_LOCAL);
  if (h != NULL) return h;
  char exe[PATH_MAX], path[PATH_MAX + 64];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return NULL;
  exe[n] = '\0';
  snprintf(path, sizeof path, "%s/../lib/x86_64-linux-gnu/libnvidia-ml.so.1", dirname(exe));
  return dlopen(path, RTLD_NOW | RTLD_LOCAL);
}

/* Stores the address of `name` (NULL when missing) in the function pointer at `slot`. */
static void bind(void* h, const char* name, void* slot) {
  void* address = dlsym(h, name);
  memcpy(slot, &address, sizeof address);
}

static int load_nvml(void) {
  void* h = open_nvml();
  if (h == NULL) return 0;
  bind(h, "nvmlInit_v2", &N.init);
  bind(h, "nvmlShutdown", &N.shutdown);
  bind(h, "nvmlErrorString", &N.error_string);
  bind(h, "nvmlSystemGetDriverVersion", &N.driver_version);
  bind(h, "nvmlSystemGetNVMLVersion", &N.nvml_version);
  bind(h, "nvmlSystemGetCudaDriverVersion", &N.cuda_version);
  bind(h, "nvmlDeviceGetCount_v2", &N.count);
  bind(h, "nvmlDeviceGetHandleByIndex_v2", &N.handle);
  bind(h, "nvmlDeviceGetName", &N.name);
  bind(h, "nvmlDeviceGetUUID", &N.uuid);
  bind(h, "nvmlDeviceGetPciInfo_v3", &N.pci);
  bind(h, "nvmlDeviceGetMemoryInfo", &N.memory);
  bind(h, "nvmlDeviceGetMigMode", &N.mig);
  bind(h, "nvmlDeviceGetPersistenceMode", &N.persistence);
  bind(h, "nvmlDeviceGetTemperature", &N.temperature);
  bind(h, "nvmlDeviceGetPowerUsage", &N.power);
  bind(h, "nvmlDeviceGetEnforcedPowerLimit", &N.power_limit);
  bind(h, "nvmlDeviceGetMaxMigDeviceCount", &N.max_mig);
  bind(h, "nvmlDeviceGetMigDeviceHandleByIndex", &N.mig_handle);
  bind(h, "nvmlDeviceGetGpuInstanceId", &N.gi_id);
  bind(h, "nvmlDeviceGetComputeInstanceId", &N.ci_id);
  bind(h, "nvmlDeviceGetAttributes_v2", &N.attributes);
  return N.init && N.shutdown && N.error_string && N.driver_version && N.nvml_version && N.cuda_version &&
         N.count && N.handle && N.name && N.uuid;
}

/* Loads and initialises NVML, prints real nvidia-smi's message and returns an exit code on failure. */
static int start_nvml(void) {
  if (!load_nvml()) {
    printf("NVIDIA-SMI couldn't find libnvidia-ml.so library in your system. Please make sure that the NVIDIA "
           "Display Driver is properly installed and present in your system.\nPlease also try adding directory "
           "that contains libnvidia-ml.so to your system PATH.\n");
    return EXIT_NO_LIBRARY;
  }
  int rc = N.init();
  if (rc == 9) {
    printf("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver. Make sure that the "
           "latest NVIDIA driver is installed and running.\n\n");
    return rc;
  }
  if (rc != NVML_SUCCESS) printf("Failed to initialize NVML: %s\n", N.error_string(rc));
  return rc;
}

unsigned device_count(void) {
  unsigned count = 0;
  if (N.count(&count) != 0) return 0;
  return count;
}

void cuda_version_text(char* out, size_t size) {
  int v = 0;
  if (N.cuda_version(&v) != 0 || v <= 0) snprintf(out, size, "N/A");
  else snprintf(out, size, "%d.%d", v / 1000, (v % 1000) / 10);
}

/* "  MIG 1g.10gb     Device  0: (UUID: MIG-…)" for each MIG device of a MIG-enabled GPU; the
 * profile is what follows " MIG " in the device's NVML name. */
static void list_migs(nvmlDevice_t dev) {
  unsigned current = 0, pending = 0, max = 0;
  if (!N.mig || !N.max_mig || !N.mig_handle || N.mig(dev, &current, &pending) != 0 || current != 1) return;
  if (N.max_mig(dev, &max) != 0) return;
  for (unsigned j = 0; j < max; j++) {
    nvmlDevice_t mig;
    char name[128] = "", uuid[96] = "Unknown";
    if (N.mig_handle(dev, j, &mig) != 0) continue;
    N.name(mig, name, sizeof name);
    N.uuid(mig, uuid, sizeof uuid);
    const char* profile = strstr(name, " MIG ");
    printf("  MIG %-11s Device %2u: (UUID: %s)\n", profile != NULL ? profile + 5 : name, j, uuid);
  }
}

static int list_gpus(void) {
  unsigned count = device_count();
  for (unsigned i = 0; i < count; i++) {
    nvmlDevice_t dev;
    char name[96] = "Unknown", uuid[96] = "Unknown";
    if (N.handle(i, &dev) != 0) continue;
    N.name(dev, name, sizeof name);
    N.uuid(dev, uuid, sizeof uuid);
    printf("GPU %u: %s (UUID: %s)\n", i, name, uuid);
    list_migs(dev);
  }
  return 0;
}

static void print_version(void) {
  char driver[96] = "N/A", nvml[96] = "N/A", cuda[32];
  N.driver_version(driver, sizeof driver);
  N.nvml_version(nvml, sizeof nvml);
  cuda_version_text(cuda, sizeof cuda);
  /* NVML's own version is "<cuda major>.<driver>"; nvidia-smi shows the driver's major.minor. */
  const char* dot = strchr(nvml, '.');
  char short_nvml[96];
  snprintf(short_nvml, sizeof short_nvml, "%s", dot != NULL ? dot + 1 : nvml);
  char* last = strrchr(short_nvml, '.');
  if (last != NULL && strchr(short_nvml, '.') != last) *last = '\0';
  printf("NVIDIA-SMI version  : %s\nNVML version        : %s\nDRIVER version      : %s\nCUDA Version        : %s\n",
         driver, short_nvml, driver, cuda);
}

/* Writes one --query-gpu field of GPU `index`; returns 0 for a field this tool does not know. */
static int query_field(const char* field, unsigned index, nvmlDevice_t dev, char* out, size_t size) {
  nvmlPciInfo_t pci;
  snprintf(out, size, "[N/A]");
  if (strcmp(field, "index") == 0) snprintf(out, size, "%u", index);
  else if (strcmp(field, "name") == 0 || strcmp(field, "gpu_name") == 0) N.name(dev, out, (unsigned)size);
  else if (strcmp(field, "uuid") == 0 || strcmp(field, "gpu_uuid") == 0) N.uuid(dev, out, (unsigned)size);
  else if (strcmp(field, "driver_version") == 0) N.driver_version(out, (unsigned)size);
  else if (strcmp(field, "pci.bus_id") == 0 || strcmp(field, "gpu_bus_id") == 0) {
    if (N.pci && N.pci(dev, &pci) == 0) snprintf(out, size, "%s", pci.busId);
  } else return 0;
  return 1;
}

static int query_gpus(const char* fields, const char* format) {
  if (format == NULL || strncmp(format, "csv", 3) != 0) {
    printf("Option --format must be specified with --query-gpu. Please run 'nvidia-smi -h' for help.\n");
    return EXIT_BAD_ARGS;
  }
  char list[1024], value[128];
  snprintf(list, sizeof list, "%s", fields);
  char* names[32];
  unsigned n = 0;
  char* save = NULL;
  for (char* f = strtok_r(list, ",", &save); f != NULL && n < 32; f = strtok_r(NULL, ",", &save)) names[n++] = f;
  for (unsigned k = 0; k < n; k++)
    if (!query_field(names[k], 0, NULL, value, sizeof value)) {
      printf("Field \"%s\" is not a valid field to query.\n\n", names[k]);
      return EXIT_BAD_ARGS;
    }
  if (strstr(format, "noheader") == NULL)
    for (unsigned k = 0; k < n; k++) printf("%s%s", names[k], k + 1 < n ? ", " : "\n");
  unsigned count = device_count();
  for (unsigned i = 0; i < count; i++) {
    nvmlDevice_t dev;
    if (N.handle(i, &dev) != 0) continue;
    for (unsigned k = 0; k < n; k++) {
      query_field(names[k], i, dev, value, sizeof value);
      printf("%s%s", value, k + 1 < n ? ", " : "\n");
    }
  }
  return 0;
}

static int usage(void) {
  printf("NVIDIA System Management Interface -- simulated by nvrunc mock-driver\n\n"
         "nvidia-smi [OPTION1 [ARG1]] [OPTION2 [ARG2]] ...\n\n"
         "    -h,   --help                Print usage information and exit.\n"
         "          --version             Print version information and exit.\n"
         "    -L,   --list-gpus           Display a list of GPUs connected to the system.\n"
         "    <no arguments>              Show a summary of GPUs connected to the system.\n"
         "    --query-gpu=FIELDS          index, name, uuid, pci.bus_id, driver_version\n"
         "    --format=csv[,noheader]     Mandatory with --query-gpu.\n");
  return 0;
}

enum action { ACTION_TABLE, ACTION_LIST, ACTION_VERSION, ACTION_QUERY };

/* Returns the action, or -1 after printing an error. */
static int parse_args(int argc, char** argv, const char** fields, const char** format) {
  int action = ACTION_TABLE;
  for (int i = 1; i < argc; i++) {
    const char* a = argv[i];
    if (strcmp(a, "-L") == 0 || strcmp(a, "--list-gpus") == 0) action = ACTION_LIST;
    else if (strcmp(a, "--version") == 0) action = ACTION_VERSION;
    else if (strncmp(a, "--query-gpu=", 12) == 0) *fields = a + 12;
    else if (strcmp(a, "--query-gpu") == 0 && i + 1 < argc) *fields = argv[++i];
    else if (strncmp(a, "--format=", 9) == 0) *format = a + 9;
    else if (strcmp(a, "--format") == 0 && i + 1 < argc) *format = argv[++i];
    else {
      printf("Invalid combination of input arguments. Please run 'nvidia-smi -h' for help.\n\n");
      return -1;
    }
  }
  return *fields != NULL ? ACTION_QUERY : action;
}

static int nvidia_smi(int argc, char** argv) {
  for (int i = 1; i < argc; i++)
    if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) return usage();
  const char *fields = NULL, *format = NULL;
  int action = parse_args(argc, argv, &fields, &format);
  if (action < 0) return EXIT_BAD_ARGS;
  int rc = start_nvml();
  if (rc != 0) return rc;
  if (action == ACTION_VERSION) print_version();
  else if (action == ACTION_QUERY) rc = query_gpus(fields, format);
  else if (device_count() == 0) {
    printf("No devices were found\n");
    rc = EXIT_NO_DEVICES;
  } else rc = action == ACTION_LIST ? list_gpus() : print_table();
  N.shutdown();
  return rc;
}

int main(int argc, char** argv) {
  const char* name = argc > 0 ? strrchr(argv[0], '/') : NULL;
  name = name != NULL ? name + 1 : (argc > 0 ? argv[0] : "nvidia-smi");
  if (strcmp(name, "nvidia-smi") == 0) return nvidia_smi(argc, argv);
  printf("%s: simulated by nvrunc mock-driver\n", name);
  return 0;
}
