/* bench-timer: runs commands many times, interleaved, and records each run's wall time and peak RSS.
 *
 *   bench-timer -n RUNS [-w WARMUP] -o OUT.csv CASEFILE
 *
 * CASEFILE has one case per line, fields separated by TABs:
 *   NAME  RESTORE  STDIN  ENV  ARGV0  ARG1 ...
 * RESTORE is "SRC>DST" (DST is replaced by a copy of SRC before each run, outside the timed region)
 * or "-"; STDIN is a file fed on stdin, or "-" for /dev/null; ENV is "K=V;K=V" added to the
 * environment, or "-". argv[0] is executed as given (an absolute path).
 *
 * The cases run round-robin (a b c a b c ...), so load from other processes falls on every case
 * alike. Each run is fork + execve + wait4 in this process: wall time from just before fork to wait4's
 * return (CLOCK_MONOTONIC); from wait4's rusage the CPU time (user + system, of the child and of the
 * children it waited for, so for a script every process it ran) and the peak RSS (ru_maxrss survives
 * execve, so for nvrunc it is the larger of nvrunc's and the no-op's). CPU time is the figure that
 * stays meaningful on a loaded machine, where wall time also counts waiting for a CPU. A run that
 * exits non-zero stops the benchmark.
 * OUT.csv: case,run,ns,cpu_ns,maxrss_kib.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CASES 64
#define MAX_ARGS 4096
#define MAX_ENV 16

struct bench_case {
  char *name, *restore_src, *restore_dst, *stdin_path;
  char *env[MAX_ENV];
  char *argv[MAX_ARGS];
};

extern char **environ;
static struct bench_case cases[MAX_CASES];
static int ncases;

static void die(const char *what) {
  fprintf(stderr, "bench-timer: %s: %s\n", what, strerror(errno));
  exit(2);
}

static void read_cases(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) die(path);
  char *line = NULL;
  size_t cap = 0;
  while (getline(&line, &cap, f) > 0) {
    line[strcspn(line, "\n")] = 0;
    if (!*line || *line == '#') continue;
    if (ncases == MAX_CASES) { fprintf(stderr, "bench-timer: too many cases\n"); exit(2); }
    struct bench_case *c = &cases[ncases++];
    char *save = NULL;
    static char *field[4 + MAX_ARGS];
    int n = 0;
    for (char *t = strtok_r(strdup(line), "\t", &save); t; t = strtok_r(NULL, "\t", &save)) {
      if (n == 4 + MAX_ARGS - 1) { fprintf(stderr, "bench-timer: too many arguments: %s\n", line); exit(2); }
      field[n++] = t;
    }
    if (n < 5) { fprintf(stderr, "bench-timer: bad case line: %s\n", line); exit(2); }
    c->name = field[0];
    if (strcmp(field[1], "-")) {
      char *gt = strchr(field[1], '>');
      if (!gt) { fprintf(stderr, "bench-timer: RESTORE is SRC>DST: %s\n", field[1]); exit(2); }
      *gt = 0;
      c->restore_src = field[1];
      c->restore_dst = gt + 1;
    }
    c->stdin_path = strcmp(field[2], "-") ? field[2] : "/dev/null";
    if (strcmp(field[3], "-")) {
      int e = 0;
      for (char *t = strtok_r(field[3], ";", &save); t && e < MAX_ENV - 1; t = strtok_r(NULL, ";", &save)) c->env[e++] = t;
    }
    for (int i = 4; i < n; ++i) c->argv[i - 4] = field[i];
  }
  free(line);
  fclose(f);
}

static void copy_file(const char *src, const char *dst) {
  int in = open(src, O_RDONLY | O_CLOEXEC);
  if (in < 0) die(src);
  int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (out < 0) die(dst);
  char buf[65536];
  ssize_t n;
  while ((n = read(in, buf, sizeof buf)) > 0)
    if (write(out, buf, (size_t)n) != n) die(dst);
  close(in);
  close(out);
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long tv_ns(struct timeval tv) { return (long long)tv.tv_sec * 1000000000LL + tv.tv_usec * 1000LL; }

/* One run; returns the wall time in ns and stores the child's CPU time and peak RSS. */
static long long run_case(const struct bench_case *c, long long *cpu_ns, long *maxrss) {
  if (c->restore_src) copy_file(c->restore_src, c->restore_dst);
  long long start = now_ns();
  pid_t pid = fork();
  if (pid < 0) die("fork");
  if (pid == 0) {
    int in = open(c->stdin_path, O_RDONLY);
    int null = open("/dev/null", O_WRONLY);
    if (in < 0 || null < 0) _exit(126);
    dup2(in, 0);
    dup2(null, 1);
    for (int i = 0; c->env[i]; ++i) putenv(c->env[i]);
    execve(c->argv[0], c->argv, environ);
    _exit(127);
  }
  int status;
  struct rusage ru;
  while (wait4(pid, &status, 0, &ru) < 0)
    if (errno != EINTR) die("wait4");
  long long took = now_ns() - start;
  *maxrss = ru.ru_maxrss;
  *cpu_ns = tv_ns(ru.ru_utime) + tv_ns(ru.ru_stime);
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "bench-timer: case %s: `%s` exited with status %d\n", c->name, c->argv[0],
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    exit(1);
  }
  return took;
}

int main(int argc, char **argv) {
  int runs = 100, warmup = 5, opt;
  const char *out_path = NULL;
  while ((opt = getopt(argc, argv, "n:w:o:")) != -1) {
    if (opt == 'n') runs = atoi(optarg);
    else if (opt == 'w') warmup = atoi(optarg);
    else if (opt == 'o') out_path = optarg;
    else { fprintf(stderr, "usage: bench-timer -n RUNS [-w WARMUP] -o OUT.csv CASEFILE\n"); return 2; }
  }
  if (optind + 1 != argc || !out_path) { fprintf(stderr, "usage: bench-timer -n RUNS [-w WARMUP] -o OUT.csv CASEFILE\n"); return 2; }
  read_cases(argv[optind]);
  FILE *out = fopen(out_path, "w");
  if (!out) die(out_path);
  fprintf(out, "case,run,ns,cpu_ns,maxrss_kib\n");
  long rss;
  long long cpu;
  for (int w = 0; w < warmup; ++w)
    for (int i = 0; i < ncases; ++i) (void)run_case(&cases[i], &cpu, &rss);
  for (int r = 0; r < runs; ++r)
    for (int i = 0; i < ncases; ++i) {
      long long ns = run_case(&cases[i], &cpu, &rss);
      fprintf(out, "%s,%d,%lld,%lld,%ld\n", cases[i].name, r, ns, cpu, rss);
    }
  fclose(out);
  return 0;
}
