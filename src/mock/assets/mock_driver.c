/* The simulated NVIDIA driver library, node half: the embedded node description and the device
 * probing that decides which GPUs a process sees. mock_nvml.c and mock_cuda.c are the APIs.
 *
 * Description format. `nvrunc-ctl mock-driver` overwrites the placeholder of g_description with
 * NUL-terminated text, one item per '\n'-terminated line:
 *
 *   nvrunc-mock-node 1                      header; without it the library was never patched
 *   driver=550.54.15                        driver version (nvmlSystemGetDriverVersion)
 *   cuda=12040                              CUDA driver version, 1000*major + 10*minor
 *   devdir=/abs/node/dev                    the node's own /dev, used when /dev/nvidiactl is not 195:255
 *   caps=510                                nvidia-caps' major (MIG capability nodes), with MIG only
 *   gpu minor=0 uuid=GPU-… pci=00000000:07:00.0 device=0x20b210de subsystem=0x147f10de brand=14
 *       cc=8.0 memory=81920 power=400 mig=1 [migmode=1] name=NVIDIA A100-SXM4-80GB   (one per GPU)
 *   mig minor=1 gi=2 ci=0 gicap=300 cicap=301 gislices=3 cislices=1 memory=40960 uuid=MIG-…
 *       profile=1c.3g.40gb                  (one per MIG device, in MIG device index order)
 *
 * In `gpu` and `mig` lines, keys are separated by single spaces and `name=` or `profile=` comes
 * last: its value is the rest of the line. Numbers are decimal except device and subsystem (hex,
 * 0x prefix). `mig=1` means MIG-capable, `migmode=1` MIG enabled. Unknown lines and keys are
 * ignored, so older libraries read newer descriptions. */
#include "mock_driver.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define NV_MAJOR 195
#define NV_CTL_MINOR 255

/* MOCK_DESCRIPTION_MARKER (set by src/mock/CMakeLists.txt) must occur exactly once in the built
 * library: mock-driver finds the array by it, and writes at most MOCK_DESCRIPTION_CAPACITY bytes. */
static char g_description[MOCK_DESCRIPTION_CAPACITY] = MOCK_DESCRIPTION_MARKER;

struct mock_node {
  int parsed;
  char driver[32];
  int cuda;
  char devdir[PATH_MAX];
  unsigned caps_major;
  unsigned count;
  struct mock_gpu gpus[MOCK_MAX_GPUS];
  unsigned mig_count;
  struct mock_mig migs[MOCK_MAX_MIGS];
};

static struct mock_node g_node;
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

int mock_copy(char* out, unsigned long size, const char* text) {
  unsigned long n = strlen(text);
  if (out == NULL || n + 1 > size) return 0;
  memcpy(out, text, n + 1);
  return 1;
}

/* The array is never written by this code, so the compiler could fold reads of it into the
 * placeholder; the empty asm makes the pointer opaque and forces a real load of the patched bytes. */
static const char* description_text(void) {
  const char* p = g_description;
  __asm__ volatile("" : "+r"(p));
  return p;
}

static void set_gpu_field(void* object, const char* key, const char* value) {
  struct mock_gpu* g = object;
  if (strcmp(key, "minor") == 0) g->minor = (unsigned)strtoul(value, NULL, 10);
  else if (strcmp(key, "uuid") == 0) mock_copy(g->uuid, sizeof g->uuid, value);
  else if (strcmp(key, "pci") == 0) sscanf(value, "%x:%x:%x.%x", &g->domain, &g->bus, &g->device, &g->function);
  else if (strcmp(key, "device") == 0) g->pci_device_id = (unsigned)strtoul(value, NULL, 16);
  else if (strcmp(key, "subsystem") == 0) g->pci_subsystem_id = (unsigned)strtoul(value, NULL, 16);
  else if (strcmp(key, "brand") == 0) g->brand = atoi(value);
  else if (strcmp(key, "cc") == 0) sscanf(value, "%d.%d", &g->cc_major, &g->cc_minor);
  else if (strcmp(key, "memory") == 0) g->memory_mib = strtoull(value, NULL, 10);
  else if (strcmp(key, "power") == 0) g->power_watts = (unsigned)strtoul(value, NULL, 10);
  else if (strcmp(key, "mig") == 0) g->mig_capable = atoi(value);
  else if (strcmp(key, "migmode") == 0) g->mig_enabled = atoi(value);
  else if (strcmp(key, "name") == 0) mock_copy(g->name, sizeof g->name, value);
}

static void set_mig_field(void* object, const char* key, const char* value) {
  struct mock_mig* m = object;
  unsigned number = (unsigned)strtoul(value, NULL, 10);
  if (strcmp(key, "minor") == 0) m->gpu_minor = number;
  else if (strcmp(key, "gi") == 0) m->gi = number;
  else if (strcmp(key, "ci") == 0) m->ci = number;
  else if (strcmp(key, "gicap") == 0) m->gi_cap = number;
  else if (strcmp(key, "cicap") == 0) m->ci_cap = number;
  else if (strcmp(key, "gislices") == 0) m->gi_slices = number;
  else if (strcmp(key, "cislices") == 0) m->ci_slices = number;
  else if (strcmp(key, "memory") == 0) m->memory_mib = strtoull(value, NULL, 10);
  else if (strcmp(key, "uuid") == 0) mock_copy(m->uuid, sizeof m->uuid, value);
  else if (strcmp(key, "profile") == 0) mock_copy(m->profile, sizeof m->profile, value);
}

/* Parses "key=value key=value ... <last>=rest of line" in place, calling `set` for each pair. */
static void parse_fields(char* p, const char* last, void (*set)(void*, const char*, const char*), void* object) {
  while (*p != '\0') {
    char* eq = strchr(p, '=');
    if (eq == NULL) break;
    *eq = '\0';
    if (strcmp(p, last) == 0) {
      set(object, p, eq + 1);
      break;
    }
    char* end = strchr(eq + 1, ' ');
    if (end != NULL) *end = '\0';
    set(object, p, eq + 1);
    if (end == NULL) break;
    p = end + 1;
  }
}

static void parse_line(char* line) {
  if (strncmp(line, "driver=", 7) == 0) mock_copy(g_node.driver, sizeof g_node.driver, line + 7);
  else if (strncmp(line, "cuda=", 5) == 0) g_node.cuda = atoi(line + 5);
  else if (strncmp(line, "devdir=", 7) == 0) mock_copy(g_node.devdir, sizeof g_node.devdir, line + 7);
  else if (strncmp(line, "caps=", 5) == 0) g_node.caps_major = (unsigned)strtoul(line + 5, NULL, 10);
  else if (strncmp(line, "gpu ", 4) == 0 && g_node.count < MOCK_MAX_GPUS) {
    struct mock_gpu* g = &g_node.gpus[g_node.count];
    memset(g, 0, sizeof *g);
    parse_fields(line + 4, "name", set_gpu_field, g);
    if (g->uuid[0] != '\0') g_node.count++;
  } else if (strncmp(line, "mig ", 4) == 0 && g_node.mig_count < MOCK_MAX_MIGS) {
    struct mock_mig* m = &g_node.migs[g_node.mig_count];
    memset(m, 0, sizeof *m);
    parse_fields(line + 4, "profile", set_mig_field, m);
    if (m->uuid[0] != '\0') g_node.mig_count++;
  }
}

/* Points each MIG device at its GPU; drops those whose GPU is not MIG-enabled. */
static void link_migs(void) {
  unsigned kept = 0;
  for (unsigned i = 0; i < g_node.mig_count; i++) {
    struct mock_mig m = g_node.migs[i];
    for (unsigned k = 0; k < g_node.count && m.parent == NULL; k++)
      if (g_node.gpus[k].minor == m.gpu_minor && g_node.gpus[k].mig_enabled) m.parent = &g_node.gpus[k];
    if (m.parent != NULL) g_node.migs[kept++] = m;
  }
  g_node.mig_count = kept;
}

static void parse_description(void) {
  static char copy[MOCK_DESCRIPTION_CAPACITY];
  const char* text = description_text();
  size_t n = strnlen(text, MOCK_DESCRIPTION_CAPACITY - 1);
  memcpy(copy, text, n);
  copy[n] = '\0';
  char* save = NULL;
  char* line = strtok_r(copy, "\n", &save);
  if (line == NULL || strcmp(line, "nvrunc-mock-node 1") != 0) return; /* never patched */
  while ((line = strtok_r(NULL, "\n", &save)) != NULL) parse_line(line);
  link_migs();
}

static void ensure_parsed(void) {
  if (g_node.parsed) return;
  parse_description();
  g_node.parsed = 1;
}

const char* mock_driver_version(void) {
  pthread_mutex_lock(&g_lock);
  ensure_parsed();
  pthread_mutex_unlock(&g_lock);
  return g_node.driver;
}

int mock_cuda_version(void) {
  pthread_mutex_lock(&g_lock);
  ensure_parsed();
  pthread_mutex_unlock(&g_lock);
  return g_node.cuda;
}

/* Whether `path` is the character node major:minor. */
static int is_char_node(const char* path, unsigned major_number, unsigned minor_number) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == major_number &&
         minor(st.st_rdev) == minor_number;
}

static int is_nvidia_node(const char* path, unsigned minor_number) {
  return is_char_node(path, NV_MAJOR, minor_number);
}

/* Opens a node as the real library does (O_RDWR; capability nodes O_RDONLY). No kernel driver
 * answers the simulated majors, so a node that exists and that the device cgroup allows gives ENXIO;
 * a denied one gives EPERM. */
static int open_errno_flags(const char* path, int flags) {
  int fd = open(path, flags | O_CLOEXEC | O_NOCTTY);
  if (fd >= 0) {
    close(fd);
    return 0;
  }
  return errno == ENXIO ? 0 : errno;
}

static int open_errno(const char* path) { return open_errno_flags(path, O_RDWR); }

/* Whether the capability node nvidia-cap<minor> of `dev` is there and opens. */
static int cap_opens(const char* dev, unsigned minor_number) {
  char path[PATH_MAX + 48];
  snprintf(path, sizeof path, "%s/nvidia-caps/nvidia-cap%u", dev, minor_number);
  return is_char_node(path, g_node.caps_major, minor_number) && open_errno_flags(path, O_RDONLY) == 0;
}

/* The MIG devices of visible GPU `slot` whose GI and CI capability nodes both open. */
static void scan_migs(const char* dev, struct mock_view* view, unsigned slot) {
  const struct mock_gpu* g = view->gpus[slot];
  for (unsigned i = 0; g->mig_enabled && i < g_node.mig_count; i++) {
    const struct mock_mig* m = &g_node.migs[i];
    if (m->parent != g || view->mig_count[slot] >= MOCK_MAX_MIG_PER_GPU) continue;
    if (cap_opens(dev, m->gi_cap) && cap_opens(dev, m->ci_cap)) view->migs[slot][view->mig_count[slot]++] = m;
  }
}

/* The dev directory to use: the real /dev when it has a control node (a container, or a real GPU
 * host), else the node's own (the host side of a simulated node). NULL when neither has one. */
static const char* pick_dev_dir(char* buf, size_t size) {
  if (is_nvidia_node("/dev/nvidiactl", NV_CTL_MINOR)) return "/dev";
  if (g_node.devdir[0] == '\0') return NULL;
  snprintf(buf, size, "%s/nvidiactl", g_node.devdir);
  return is_nvidia_node(buf, NV_CTL_MINOR) ? g_node.devdir : NULL;
}

static enum mock_status control_status(const char* dev) {
  char path[PATH_MAX + 16];
  snprintf(path, sizeof path, "%s/nvidiactl", dev);
  int e = open_errno(path);
  if (e == 0) return MOCK_OK;
  return (e == EPERM || e == EACCES) ? MOCK_NO_PERMISSION : MOCK_NO_DRIVER;
}

void mock_scan(struct mock_view* view) {
  char buf[PATH_MAX + 16];
  memset(view, 0, sizeof *view);
  pthread_mutex_lock(&g_lock);
  ensure_parsed();
  const char* dev = g_node.driver[0] != '\0' ? pick_dev_dir(buf, sizeof buf) : NULL;
  view->status = dev == NULL ? MOCK_NO_DRIVER : control_status(dev);
  for (unsigned i = 0; view->status == MOCK_OK && i < g_node.count; i++) {
    const struct mock_gpu* g = &g_node.gpus[i];
    snprintf(buf, sizeof buf, "%s/nvidia%u", dev, g->minor);
    if (!is_nvidia_node(buf, g->minor) || open_errno(buf) != 0) continue;
    view->gpus[view->count] = g;
    scan_migs(dev, view, view->count++);
  }
  pthread_mutex_unlock(&g_lock);
}
