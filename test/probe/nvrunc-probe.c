/* nvrunc-probe: the in-container probe of the integration tests (DESIGN.md §5).
 *
 * It runs inside test containers (busybox + the host glibc) against the simulated driver, and on a
 * real GPU host against the real one, so it uses only the public NVML and CUDA driver API, loaded
 * with dlopen by SONAME: that only works when the container's ld.so.cache knows the libraries.
 *
 *   nvrunc-probe libs          load NVML and CUDA, print what they report as key=value lines;
 *                              MIG devices of MIG-enabled GPUs as nvml.gpu<i>.mig<j>.<key>=…
 *   nvrunc-probe open PATH...  open each PATH as the driver would (O_RDWR; O_RDONLY for a node
 *                              nobody may write, like the 0444 /dev/nvidia-caps nodes NVML opens
 *                              read-only), print "PATH: ok" or "PATH: <errno name>"
 *
 * `libs` exits 1 with a message on stderr when a library cannot be loaded or initialised. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <link.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "nvml_abi.h" /* src/mock/assets: the published NVML/CUDA ABI, nothing simulated */

typedef void* nvmlDevice_t;

struct Nvml {
  int (*init)(void);
  const char* (*error_string)(int);
  int (*driver_version)(char*, unsigned);
  int (*cuda_version)(int*);
  int (*count)(unsigned*);
  int (*handle)(unsigned, nvmlDevice_t*);
  int (*name)(nvmlDevice_t, char*, unsigned);
  int (*uuid)(nvmlDevice_t, char*, unsigned);
  int (*minor)(nvmlDevice_t, unsigned*);
  int (*pci)(nvmlDevice_t, nvmlPciInfo_t*);
  int (*shutdown)(void);
  /* MIG, optional (drivers before R450 have none) */
  int (*mig_mode)(nvmlDevice_t, unsigned*, unsigned*);
  int (*max_mig)(nvmlDevice_t, unsigned*);
  int (*mig_handle)(nvmlDevice_t, unsigned, nvmlDevice_t*);
  int (*gi_id)(nvmlDevice_t, unsigned*);
  int (*ci_id)(nvmlDevice_t, unsigned*);
};

struct Cuda {
  int (*init)(unsigned);
  int (*driver_version)(int*);
  int (*count)(int*);
  int (*get)(int*, int);
  int (*name)(char*, int, int);
  int (*uuid)(CUuuid*, int);
};

static const char* errno_name(int e) {
  switch (e) {
  case ENXIO: return "ENXIO";
  case EPERM: return "EPERM";
  case ENOENT: return "ENOENT";
  case EACCES: return "EACCES";
  case ENODEV: return "ENODEV";
  case ENOTDIR: return "ENOTDIR";
  case EISDIR: return "EISDIR";
  case EROFS: return "EROFS";
  case EBUSY: return "EBUSY";
  case EINVAL: return "EINVAL";
  case ELOOP: return "ELOOP";
  default: return "EOTHER";
  }
}

static int open_flags(const char* path) {
  struct stat st;
  if (stat(path, &st) == 0 && S_ISCHR(st.st_mode) && (st.st_mode & 0222) == 0) return O_RDONLY;
  return O_RDWR;
}

static int cmd_open(int argc, char** argv) {
  for (int i = 0; i < argc; i++) {
    int fd = open(argv[i], open_flags(argv[i]) | O_CLOEXEC | O_NOCTTY);
    if (fd >= 0) {
      printf("%s: ok\n", argv[i]);
      close(fd);
    } else {
      printf("%s: %s\n", argv[i], errno_name(errno));
    }
  }
  return 0;
}

/* Prints <key>.loaded (the path the loader used) and <key>.path (that path with links resolved). */
static void print_paths(const char* key, void* handle) {
  struct link_map* map = NULL;
  if (dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || map == NULL || map->l_name == NULL) return;
  char real[PATH_MAX];
  printf("%s.loaded=%s\n", key, map->l_name);
  printf("%s.path=%s\n", key, realpath(map->l_name, real) ? real : map->l_name);
}

static void* open_library(const char* key, const char* soname) {
  void* handle = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) {
    fprintf(stderr, "nvrunc-probe: load `%s`: %s\n", soname, dlerror());
    return NULL;
  }
  print_paths(key, handle);
  return handle;
}

/* Resolves `name` in `handle` into *slot; returns 0 when it is missing. */
static int bind(void* handle, const char* name, void* slot) {
  void* sym = dlsym(handle, name);
  if (sym == NULL) {
    fprintf(stderr, "nvrunc-probe: resolve `%s`: %s\n", name, dlerror());
    return 0;
  }
  memcpy(slot, &sym, sizeof sym);
  return 1;
}

static void bind_optional(void* handle, const char* name, void* slot) {
  void* sym = dlsym(handle, name);
  memcpy(slot, &sym, sizeof sym);
}

static int bind_nvml(void* h, struct Nvml* n) {
  bind_optional(h, "nvmlDeviceGetMigMode", &n->mig_mode);
  bind_optional(h, "nvmlDeviceGetMaxMigDeviceCount", &n->max_mig);
  bind_optional(h, "nvmlDeviceGetMigDeviceHandleByIndex", &n->mig_handle);
  bind_optional(h, "nvmlDeviceGetGpuInstanceId", &n->gi_id);
  bind_optional(h, "nvmlDeviceGetComputeInstanceId", &n->ci_id);
  return bind(h, "nvmlInit_v2", &n->init) && bind(h, "nvmlErrorString", &n->error_string) &&
         bind(h, "nvmlSystemGetDriverVersion", &n->driver_version) &&
         bind(h, "nvmlSystemGetCudaDriverVersion", &n->cuda_version) &&
         bind(h, "nvmlDeviceGetCount_v2", &n->count) && bind(h, "nvmlDeviceGetHandleByIndex_v2", &n->handle) &&
         bind(h, "nvmlDeviceGetName", &n->name) && bind(h, "nvmlDeviceGetUUID", &n->uuid) &&
         bind(h, "nvmlDeviceGetMinorNumber", &n->minor) && bind(h, "nvmlDeviceGetPciInfo_v3", &n->pci) &&
         bind(h, "nvmlShutdown", &n->shutdown);
}

/* nvml.gpu<i>.mig.count and, per MIG device, its name, UUID and GPU/compute instance ids. */
static void print_nvml_migs(const struct Nvml* n, unsigned i, nvmlDevice_t dev) {
  unsigned current = 0, pending = 0, max = 0, found = 0;
  if (!n->mig_mode || !n->max_mig || !n->mig_handle || !n->gi_id || !n->ci_id) return;
  if (n->mig_mode(dev, &current, &pending) != NVML_SUCCESS || current != 1) return;
  if (n->max_mig(dev, &max) != NVML_SUCCESS) return;
  for (unsigned j = 0; j < max; j++) {
    nvmlDevice_t mig;
    if (n->mig_handle(dev, j, &mig) != NVML_SUCCESS) continue;
    char text[128];
    unsigned gi = 0, ci = 0;
    if (n->name(mig, text, sizeof text) == NVML_SUCCESS) printf("nvml.gpu%u.mig%u.name=%s\n", i, j, text);
    if (n->uuid(mig, text, sizeof text) == NVML_SUCCESS) printf("nvml.gpu%u.mig%u.uuid=%s\n", i, j, text);
    if (n->gi_id(mig, &gi) == NVML_SUCCESS) printf("nvml.gpu%u.mig%u.gi=%u\n", i, j, gi);
    if (n->ci_id(mig, &ci) == NVML_SUCCESS) printf("nvml.gpu%u.mig%u.ci=%u\n", i, j, ci);
    found++;
  }
  printf("nvml.gpu%u.mig.count=%u\n", i, found);
}

static void print_nvml_device(const struct Nvml* n, unsigned i) {
  nvmlDevice_t dev;
  int rc = n->handle(i, &dev);
  if (rc != NVML_SUCCESS) {
    printf("nvml.gpu%u.error=%s\n", i, n->error_string(rc));
    return;
  }
  char text[96];
  if (n->name(dev, text, sizeof text) == NVML_SUCCESS) printf("nvml.gpu%u.name=%s\n", i, text);
  if (n->uuid(dev, text, sizeof text) == NVML_SUCCESS) printf("nvml.gpu%u.uuid=%s\n", i, text);
  unsigned minor = 0;
  if (n->minor(dev, &minor) == NVML_SUCCESS) printf("nvml.gpu%u.minor=%u\n", i, minor);
  nvmlPciInfo_t pci;
  memset(&pci, 0, sizeof pci);
  if (n->pci(dev, &pci) == NVML_SUCCESS) printf("nvml.gpu%u.pci=%s\n", i, pci.busId);
  print_nvml_migs(n, i, dev);
}

static int probe_nvml(void) {
  void* h = open_library("nvml", "libnvidia-ml.so.1");
  struct Nvml n;
  if (h == NULL || !bind_nvml(h, &n)) return 1;
  int rc = n.init();
  if (rc != NVML_SUCCESS) {
    fprintf(stderr, "nvrunc-probe: nvmlInit_v2: %s (%d)\n", n.error_string(rc), rc);
    return 1;
  }
  char version[96];
  if (n.driver_version(version, sizeof version) == NVML_SUCCESS) printf("nvml.driver=%s\n", version);
  int cuda = 0;
  if (n.cuda_version(&cuda) == NVML_SUCCESS) printf("nvml.cuda=%d\n", cuda);
  unsigned count = 0;
  rc = n.count(&count);
  if (rc != NVML_SUCCESS) {
    fprintf(stderr, "nvrunc-probe: nvmlDeviceGetCount_v2: %s (%d)\n", n.error_string(rc), rc);
    return 1;
  }
  printf("nvml.count=%u\n", count);
  for (unsigned i = 0; i < count; i++) print_nvml_device(&n, i);
  n.shutdown();
  return 0;
}

static int bind_cuda(void* h, struct Cuda* c) {
  return bind(h, "cuInit", &c->init) && bind(h, "cuDriverGetVersion", &c->driver_version) &&
         bind(h, "cuDeviceGetCount", &c->count) && bind(h, "cuDeviceGet", &c->get) &&
         bind(h, "cuDeviceGetName", &c->name) && bind(h, "cuDeviceGetUuid", &c->uuid);
}

static void print_cuda_device(const struct Cuda* c, int i) {
  int dev = 0;
  if (c->get(&dev, i) != CUDA_SUCCESS) return;
  char name[128] = "";
  if (c->name(name, sizeof name, dev) == CUDA_SUCCESS) printf("cuda.gpu%d.name=%s\n", i, name);
  CUuuid u;
  if (c->uuid(&u, dev) != CUDA_SUCCESS) return;
  const unsigned char* b = (const unsigned char*)u.bytes;
  /* A MIG device (CUDA names it "<GPU> MIG <profile>") has a MIG- UUID. */
  const char* kind = strstr(name, " MIG ") != NULL ? "MIG" : "GPU";
  printf("cuda.gpu%d.uuid=%s-%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x\n", i, kind, b[0],
         b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
}

static int probe_cuda(void) {
  void* h = open_library("cuda", "libcuda.so.1");
  struct Cuda c;
  if (h == NULL || !bind_cuda(h, &c)) return 1;
  int version = 0;
  if (c.driver_version(&version) == CUDA_SUCCESS) printf("cuda.driver=%d\n", version);
  int rc = c.init(0);
  if (rc == CUDA_ERROR_NO_DEVICE) { /* a container without GPUs: not a load failure */
    printf("cuda.count=0\n");
    return 0;
  }
  if (rc != CUDA_SUCCESS) {
    fprintf(stderr, "nvrunc-probe: cuInit: error %d\n", rc);
    return 1;
  }
  int count = 0;
  if (c.count(&count) != CUDA_SUCCESS) {
    fprintf(stderr, "nvrunc-probe: cuDeviceGetCount: failed\n");
    return 1;
  }
  printf("cuda.count=%d\n", count);
  for (int i = 0; i < count; i++) print_cuda_device(&c, i);
  return 0;
}

static int usage(void) {
  fprintf(stderr, "usage: nvrunc-probe libs\n       nvrunc-probe open PATH...\n");
  return 2;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc < 2) return usage();
  if (strcmp(argv[1], "open") == 0) return cmd_open(argc - 2, argv + 2);
  if (strcmp(argv[1], "libs") == 0) {
    int failed = probe_nvml();
    failed |= probe_cuda();
    return failed ? 1 : 0;
  }
  return usage();
}
