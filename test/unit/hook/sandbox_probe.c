/* A static program run inside os::run_sandboxed by the tests: it reports what it sees, or makes a
 * system call the allow-list forbids. Built with -static: nothing is loaded from the chroot. */
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <signal.h>
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

static void print_limit(const char* name, int resource) {
  struct rlimit rl;
  if (getrlimit(resource, &rl) != 0) {
    printf("%s=error\n", name);
    return;
  }
  printf("%s=%llu/%llu\n", name, (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
}

static int report_limits(void) {
  print_limit("cpu", RLIMIT_CPU);
  print_limit("as", RLIMIT_AS);
  print_limit("nofile", RLIMIT_NOFILE);
  print_limit("fsize", RLIMIT_FSIZE);
  print_limit("core", RLIMIT_CORE);
  return 0;
}

/* Writes 1 MiB to /big (inside the chroot): beyond a smaller RLIMIT_FSIZE the kernel sends SIGXFSZ. */
static int write_big_file(void) {
  static char block[4096];
  int fd = open("/big", O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) return 3;
  for (int i = 0; i < 256; ++i)
    if (write(fd, block, sizeof block) != (ssize_t)sizeof block) return 4;
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
  if (!strcmp(mode, "limits")) return report_limits();
  if (!strcmp(mode, "bigfile")) return write_big_file();
  if (!strcmp(mode, "nofile")) { /* one more descriptor than RLIMIT_NOFILE allows: EMFILE, not a kill */
    int n = 0;
    while (open("/probe-marker", O_RDONLY) >= 0) ++n;
    return printf("opened=%d\n", n), 0;
  }
  /* What a hostile library in the image would try were it ever loaded into ldconfig: run a program,
   * signal a host process, escape the chroot, take another uid. Each is outside the allow-list. */
  if (!strcmp(mode, "exec")) return execve("/probe-marker", argv, NULL), 3;
  if (!strcmp(mode, "kill")) return kill(1, 0), 3;
  if (!strcmp(mode, "chroot")) return chroot("/"), 3;
  if (!strcmp(mode, "setuid")) return syscall(SYS_setuid, 0), 3;
  if (!strcmp(mode, "ptrace")) return syscall(SYS_ptrace, 0, 0, 0, 0), 3;
  if (!strcmp(mode, "spin")) for (volatile unsigned long i = 0;; ++i) {}
  if (!strcmp(mode, "fail")) return fprintf(stderr, "probe: failing on purpose\n"), 7;
  return 64;
}
