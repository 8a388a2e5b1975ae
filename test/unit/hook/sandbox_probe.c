/* A static program run inside os::run_sandboxed by the tests: it reports what it sees, or makes a
 * system call the allow-list forbids. Built with -static: nothing is loaded from the chroot. */
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

extern char** environ;

static int report_env(void) {
  int n = 0;
  for (char** e = environ; e && *e; ++e) ++n;
  printf("env=%d\n", n);
  return 0;
}

static int report_caps(void) {
  struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  memset(data, 0, sizeof data);
  if (syscall(SYS_capget, &hdr, data) != 0) return 2;
  unsigned long long eff = data[0].effective | ((unsigned long long)data[1].effective << 32);
  unsigned long long prm = data[0].permitted | ((unsigned long long)data[1].permitted << 32);
  unsigned long long inh = data[0].inheritable | ((unsigned long long)data[1].inheritable << 32);
  unsigned long long bnd = 0;
  for (int cap = 0; cap < 64; ++cap)
    if (prctl(PR_CAPBSET_READ, cap, 0, 0, 0) == 1) bnd |= 1ULL << cap;
  printf("eff=%llx prm=%llx inh=%llx bnd=%llx nnp=%d\n", eff, prm, inh, bnd, prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0));
  return 0;
}

static int report_fds(void) {
  int open_fds = 0;
  for (int fd = 3; fd < 1024; ++fd)
    if (fcntl(fd, F_GETFD) >= 0) ++open_fds;
  printf("open_fds=%d\n", open_fds);
  return 0;
}

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "";
  struct stat st;
  if (!strcmp(mode, "env")) return report_env();
  if (!strcmp(mode, "caps")) return report_caps();
  if (!strcmp(mode, "fds")) return report_fds();
  if (!strcmp(mode, "root")) return printf("marker=%d\n", stat("/probe-marker", &st) == 0), 0;
  if (!strcmp(mode, "socket")) return socket(AF_INET, SOCK_STREAM, 0) >= 0 ? 0 : 3;
  if (!strcmp(mode, "mount")) return mount("none", "/", "tmpfs", 0, NULL) == 0 ? 0 : 3;
  if (!strcmp(mode, "spin")) for (volatile unsigned long i = 0;; ++i) {}
  if (!strcmp(mode, "fail")) return fprintf(stderr, "probe: failing on purpose\n"), 7;
  return 64;
}
