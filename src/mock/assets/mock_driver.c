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
 *   gpu minor=0 uuid=GPU-… pci=00000000:07:00.0 device=0x20b210de subsystem=0x147f10de brand=14
 *       cc=8.0 memory=81920 power=400 mig=1 name=NVIDIA A100-SXM4-80GB      (one line per GPU)
 *
 * In `gpu` lines, keys are separated by single spaces and `name=` comes last: its value is the rest
 * of the line. Numbers are decimal except device and subsystem (hex, 0x prefix). Unknown lines and
 * keys are ignored, so older libraries read newer descriptions. */
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
  unsigned count;
  struct mock_gpu gpus[MOCK_MAX_GPUS];
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

static void set_gpu_field(struct mock_gpu* g, const char* key, const char* value) {
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
}

/* Parses the text after "gpu " in place; returns 0 for a line without a UUID. */
static int parse_gpu(char* p, struct mock_gpu* g) {
  memset(g, 0, sizeof *g);
  while (*p != '\0') {
    char* eq = strchr(p, '=');
    if (eq == NULL) break;
    *eq = '\0';
    if (strcmp(p, "name") == 0) {
      mock_copy(g->name, sizeof g->name, eq + 1);
      break;
    }
    char* end = strchr(eq + 1, ' ');
    if (end != NULL) *end = '\0';
    set_gpu_field(g, p, eq + 1);
    if (end == NULL) break;
    p = end + 1;
  }
  return g->uuid[0] != '\0';
}

static void parse_line(char* line) {
  if (strncmp(line, "driver=", 7) == 0) mock_copy(g_node.driver, sizeof g_node.driver, line + 7);
  else if (strncmp(line, "cuda=", 5) == 0) g_node.cuda = atoi(line + 5);
  else if (strncmp(line, "devdir=", 7) == 0) mock_copy(g_node.devdir, sizeof g_node.devdir, line + 7);
  else if (strncmp(line, "gpu ", 4) == 0 && g_node.count < MOCK_MAX_GPUS &&
           parse_gpu(line + 4, &g_node.gpus[g_node.count]))
    g_node.count++;
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

/* Whether `path` is the NVIDIA character node 195:minor. */
static int is_nvidia_node(const char* path, unsigned minor) {
  struct stat st;
  return stat(path, &st) == 0 && S_ISCHR(st.st_mode) && major(st.st_rdev) == NV_MAJOR &&
         minor(st.st_rdev) == minor;
}

/* Opens a node as the real library does (O_RDWR). No kernel driver answers the simulated major, so
 * a node that exists and that the device cgroup allows gives ENXIO; a denied one gives EPERM. */
static int open_errno(const char* path) {
  int fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
  if (fd >= 0) {
    close(fd);
    return 0;
  }
  return errno == ENXIO ? 0 : errno;
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
    if (is_nvidia_node(buf, g->minor) && open_errno(buf) == 0) view->gpus[view->count++] = g;
  }
  pthread_mutex_unlock(&g_lock);
}
