/* nvidia-smi's summary table, as nvidia-smi 5xx prints it (91 columns): the header, three rows per
 * GPU, the "MIG devices" section when a GPU has MIG enabled, and the (empty) process list. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "smi.h"

static const char* const RULE_FULL =
    "+-----------------------------------------------------------------------------------------+\n";
static const char* const RULE_COLUMNS =
    "+-----------------------------------------+------------------------+----------------------+\n";

static void print_header(void) {
  char driver[96] = "N/A", cuda[32], stamp[64];
  time_t now = time(NULL);
  strftime(stamp, sizeof stamp, "%a %b %e %H:%M:%S %Y", localtime(&now));
  N.driver_version(driver, sizeof driver);
  cuda_version_text(cuda, sizeof cuda);
  printf("%s       \n%s", stamp, RULE_FULL);
  printf("| NVIDIA-SMI %-23sDriver Version: %-15sCUDA Version: %-9s|\n", driver, driver, cuda);
  printf("%s", RULE_COLUMNS);
  printf("| GPU  Name                 Persistence-M | Bus-Id          Disp.A | Volatile Uncorr. ECC |\n"
         "| Fan  Temp   Perf          Pwr:Usage/Cap |           Memory-Usage | GPU-Util  Compute M. |\n"
         "|                                         |                        |               MIG M. |\n"
         "|=========================================+========================+======================|\n");
}

/* The three table rows of one GPU; readings the library does not give are N/A. */
static void print_gpu_rows(unsigned index, nvmlDevice_t dev) {
  char name[96] = "N/A", bus[32] = "N/A", temp[16] = "N/A", usage[16] = "N/A", cap[16] = "N/A";
  char used[24] = "N/A", total[24] = "N/A", mig[16] = "N/A";
  const char* persistence = "N/A";
  int mode = 0;
  unsigned value = 0, current = 0, pending = 0;
  nvmlPciInfo_t pci;
  nvmlMemory_t mem;
  N.name(dev, name, sizeof name);
  if (strlen(name) > 29) strcpy(name + 26, "...");
  if (N.pci && N.pci(dev, &pci) == 0) snprintf(bus, sizeof bus, "%s", pci.busId);
  if (N.persistence && N.persistence(dev, &mode) == 0) persistence = mode ? "On" : "Off";
  if (N.temperature && N.temperature(dev, 0, &value) == 0) snprintf(temp, sizeof temp, "%uC", value);
  if (N.power && N.power(dev, &value) == 0) snprintf(usage, sizeof usage, "%uW", value / 1000);
  if (N.power_limit && N.power_limit(dev, &value) == 0) snprintf(cap, sizeof cap, "%uW", value / 1000);
  if (N.memory && N.memory(dev, &mem) == 0) {
    snprintf(used, sizeof used, "%lluMiB", mem.used >> 20);
    snprintf(total, sizeof total, "%lluMiB", mem.total >> 20);
  }
  if (N.mig && N.mig(dev, &current, &pending) == 0) snprintf(mig, sizeof mig, "%s", current ? "Enabled" : "Disabled");
  printf("| %3u  %-29s%4s  | %18s Off | %20s |\n", index, name, persistence, bus, "0");
  printf("| N/A  %4s    P0%16s / %5s | %10s / %9s | %7s%13s |\n", temp, usage, cap, used, total, "0%", "Default");
  printf("| %39s | %22s | %20s |\n", "", "", mig);
  printf("%s", RULE_COLUMNS);
}

static const char* const RULE_MIG =
    "+------------------+----------------------------------+-----------+-----------------------+\n";
/* Between two compute instances of one GPU instance, whose memory column spans both. */
static const char* const RULE_MIG_JOINED =
    "+------------------+                                  +-----------+-----------------------+\n";

/* One row of the MIG devices section. */
struct mig_row {
  unsigned gpu, gi, ci, dev;
  unsigned long long used_mib, total_mib;
  nvmlDeviceAttributes_t attr;
};

static int mig_enabled(nvmlDevice_t dev) {
  unsigned current = 0, pending = 0;
  return N.mig && N.mig(dev, &current, &pending) == 0 && current == 1;
}

/* The MIG devices of GPU `gpu` into rows[*n...]; returns whether the GPU has MIG enabled. */
static int collect_mig_rows(unsigned gpu, nvmlDevice_t dev, struct mig_row* rows, unsigned* n, unsigned cap) {
  unsigned max = 0;
  if (!mig_enabled(dev) || !N.max_mig || !N.mig_handle || N.max_mig(dev, &max) != 0) return 0;
  for (unsigned j = 0; j < max && *n < cap; j++) {
    nvmlDevice_t mig;
    struct mig_row r;
    nvmlMemory_t mem;
    memset(&r, 0, sizeof r);
    if (N.mig_handle(dev, j, &mig) != 0) continue;
    r.gpu = gpu;
    r.dev = j;
    if (N.gi_id) N.gi_id(mig, &r.gi);
    if (N.ci_id) N.ci_id(mig, &r.ci);
    if (N.attributes) N.attributes(mig, &r.attr);
    if (N.memory && N.memory(mig, &mem) == 0) r.used_mib = mem.used >> 20, r.total_mib = mem.total >> 20;
    rows[(*n)++] = r;
  }
  return 1;
}

static void print_mig_header(void) {
  printf("\n%s", RULE_FULL);
  printf("| MIG devices:                                                                            |\n%s", RULE_MIG);
  printf("| GPU  GI  CI  MIG |                     Memory-Usage |        Vol|      Shared           |\n"
         "|      ID  ID  Dev |                       BAR1-Usage | SM     Unc| CE ENC DEC OFA JPG    |\n"
         "|                  |                                  |        ECC|                       |\n"
         "|==================+==================================+===========+=======================|\n");
}

/* Two lines per MIG device; the memory of a GPU instance shows on its first compute instance. */
static void print_mig_row(const struct mig_row* r, int first_of_gi, int next_same_gi) {
  char used[24] = "", total[24] = "", bar_used[24] = "", bar_total[24] = "";
  if (first_of_gi) {
    snprintf(used, sizeof used, "%lluMiB", r->used_mib);
    snprintf(total, sizeof total, "%lluMiB", r->total_mib);
    snprintf(bar_used, sizeof bar_used, "0MiB");
    snprintf(bar_total, sizeof bar_total, "32767MiB");
  }
  const char* sep = first_of_gi ? " / " : "   ";
  const nvmlDeviceAttributes_t* a = &r->attr;
  printf("|%3u%5u%4u%4u  |%19s%s%-12s|%3u%7u |%3u%4u%5u%5u%5u |\n", r->gpu, r->gi, r->ci, r->dev, used, sep, total,
         a->multiprocessorCount, 0u, a->sharedCopyEngineCount, a->sharedEncoderCount, a->sharedDecoderCount,
         a->sharedOfaCount, a->sharedJpegCount);
  printf("|                  |%19s%s%-12s|           |                       |\n", bar_used, sep, bar_total);
  printf("%s", next_same_gi ? RULE_MIG_JOINED : RULE_MIG);
}

static void print_mig_section(void) {
  struct mig_row rows[64 * 7];
  unsigned n = 0, count = device_count();
  int any = 0;
  for (unsigned i = 0; i < count; i++) {
    nvmlDevice_t dev;
    if (N.handle(i, &dev) == 0) any |= collect_mig_rows(i, dev, rows, &n, sizeof rows / sizeof rows[0]);
  }
  if (!any) return;
  print_mig_header();
  if (n == 0) printf("|  %-87s|\n%s", "No MIG devices found", RULE_FULL);
  for (unsigned k = 0; k < n; k++) {
    int first = k == 0 || rows[k - 1].gpu != rows[k].gpu || rows[k - 1].gi != rows[k].gi;
    int next = k + 1 < n && rows[k + 1].gpu == rows[k].gpu && rows[k + 1].gi == rows[k].gi;
    print_mig_row(&rows[k], first, next);
  }
}

int print_table(void) {
  print_header();
  unsigned count = device_count();
  for (unsigned i = 0; i < count; i++) {
    nvmlDevice_t dev;
    if (N.handle(i, &dev) == 0) print_gpu_rows(i, dev);
  }
  print_mig_section();
  printf("\n%s", RULE_FULL);
  printf("| Processes:                                                                              |\n"
         "|  GPU   GI   CI              PID   Type   Process name                        GPU Memory |\n"
         "|        ID   ID                                                               Usage      |\n"
         "|=========================================================================================|\n"
         "|  No running processes found                                                             |\n");
  printf("%s", RULE_FULL);
  return 0;
}

