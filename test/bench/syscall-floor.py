#!/usr/bin/env python3
"""What nvrunc's system calls alone cost a create: a lower bound for the create overhead.

    sudo test/bench/syscall-floor.py [--scratch DIR] [--runs N] [--rounds K]

Needs the scratch directory a `test/bench/run.sh --keep` left (default /run/nvrunc-bench: its
nvrunc, no-op, bench-timer, 8-GPU node and bundle), strace and a C compiler.

1. strace records one first-pass 8-GPU `create` by the scratch's nvrunc, up to its exec.
2. That trace becomes a C program (`skeleton`) that makes the same system calls with the same
   arguments, sizes and descriptor numbers (a single-threaded process gets the same lowest free
   descriptors back), and nothing else, then execs the no-op. It edits a copy of the bundle.
   A system call it does not know stops this script: nvrunc's mix changed and the mapping must grow.
3. bench-timer runs, interleaved: the no-op alone; `chain`, a static program that only execs the
   no-op (the cost of one more exec); the skeleton; nvrunc. Each line is a median, and the overhead
   over the no-op alone.

skeleton - chain is what the system calls cost; nvrunc - skeleton is what nvrunc's own computing
and the pages it touches cost. A measurement, never a test: see RESULTS.md.
"""
import argparse
import csv
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

START_UP = ('brk', 'arch_prctl', 'set_tid_address', 'set_robust_list', 'rseq', 'prlimit64', 'getrandom',
            'mprotect')  # glibc's own start-up: the skeleton, a static program too, makes these itself


def c_string(s):
    return '"' + s + '"'  # strace prints C escapes already


STRING = r'"((?:[^"\\]|\\.)*)"'  # a C string as strace prints it

# Each traced call as C: {f0} {f1} ... are its fields, {last} the last one, {s0} {s1} its strings,
# {mode} openat's mode (0 when absent), {flags} {resolve} openat2's open_how.
CALLS = {
    'openat': 'openat({f0}, {s0}, {f2}, {mode});',
    'openat2': '{{ struct open_how h = {{.flags = {flags}, .resolve = {resolve}}}; '
               'syscall(SYS_openat2, {f0}, {s0}, &h, sizeof h); }}',
    'newfstatat': 'fstatat({f0}, {s0}, &st, {last});',
    'read': 'read({f0}, buf, {last});',
    'write': 'write({f0}, buf, {last});',
    'getdents64': 'syscall(SYS_getdents64, {f0}, buf, {last});',
    'close': 'close({f0});',
    'fsync': 'fsync({f0});',
    'geteuid': 'geteuid();',
    'getegid': 'getegid();',
    'getuid': 'getuid();',
    'getgid': 'getgid();',
    'getpid': 'getpid();',
    'readlink': 'readlink({s0}, buf, {last});',
    'access': 'access({s0}, {f1});',
    'fchmod': 'fchmod({f0}, {f1});',
    'fchown': 'fchown({f0}, {f1}, {f2});',
    'linkat': 'linkat({f0}, "", AT_FDCWD, {s1}, {last});',
    'rename': 'rename({s0}, {s1});',
}


def skeleton(trace_lines, bundle, copy):
    """C statements for the traced calls, the bundle's paths moved to `copy`."""
    out = []
    for line in trace_lines:
        m = re.match(r'(\w+)\((.*)\)\s+= (-?\d+|\?)', line)
        if not m:
            sys.exit(f'syscall-floor: cannot read the trace line: {line}')
        name, args, _ = m.groups()
        if name in START_UP:
            continue
        if name not in CALLS:
            sys.exit(f'syscall-floor: no mapping for `{name}` (nvrunc makes a new kind of call): {line}')
        args = args.replace(bundle, copy)
        strings = [c_string(x) for x in re.findall(STRING, args)] + ['""', '""']
        fields = [a.strip() for a in re.sub(STRING, 'S', args).split(',')]
        how = dict(re.findall(r'(flags|resolve)=(\w+)', args))
        values = {f'f{i}': fields[i] if i < len(fields) else '0' for i in range(4)}
        values.update(last=fields[-1], s0=strings[0], s1=strings[1], mode=values['f3'],
                      flags=how.get('flags', '0'), resolve=how.get('resolve', '0'))
        out.append(CALLS[name].format(**values))
    return out


def medians(csv_path):
    by = {}
    with open(csv_path) as f:
        for row in csv.DictReader(f):
            by.setdefault(row['case'], []).append(float(row['ns']) / 1e3)
    return {case: statistics.median(v) for case, v in by.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--scratch', default=os.environ.get('NVRUNC_BENCH_DIR', '/run/nvrunc-bench'))
    ap.add_argument('--runs', type=int, default=500)
    ap.add_argument('--rounds', type=int, default=2)
    a = ap.parse_args()
    w = a.scratch
    for need in ('bin/nvrunc', 'tools/noop', 'tools/bench-timer', 'gpu8/bench.toml', 'bundles/gpu8-first/orig.json'):
        if not os.path.exists(os.path.join(w, need)):
            sys.exit(f'syscall-floor: no {w}/{need}: run `sudo test/bench/run.sh --keep` first')
    for tool in ('strace', 'cc'):
        if not shutil.which(tool):
            sys.exit(f'syscall-floor: needs {tool}')
    bundle = f'{w}/bundles/gpu8-first'
    copy = f'{w}/bundles/floor'
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(bundle, copy)
    shutil.copy(f'{bundle}/orig.json', f'{bundle}/config.json')
    nvrunc_args = ['--root', f'{w}/runc-root', '--log', f'{bundle}/log.json', '--log-format', 'json', 'create',
                   '--bundle', bundle, '--pid-file', f'{bundle}/init.pid', 'bench']
    env = dict(os.environ, NVRUNC_CONFIG=f'{w}/gpu8/bench.toml')
    with tempfile.TemporaryDirectory() as tmp:
        trace = f'{tmp}/trace'
        subprocess.run(['strace', '-o', trace, '-s', '4096', '-X', 'raw', f'{w}/bin/nvrunc'] + nvrunc_args,
                       env=env, check=True, stdout=subprocess.DEVNULL)
        lines, execs = [], 0
        with open(trace) as f:
            for line in f:
                if line.startswith('execve('):
                    execs += 1
                    continue
                if execs == 1:
                    lines.append(line.rstrip('\n'))
        calls = skeleton(lines, bundle, copy)
        src = ['#define _GNU_SOURCE', '#include <fcntl.h>', '#include <linux/openat2.h>', '#include <sys/stat.h>',
               '#include <sys/syscall.h>', '#include <unistd.h>', 'static char buf[1 << 20];',
               'int main(int argc, char** argv) {', '  (void)argc;', '  struct stat st;']
        src += ['  ' + c for c in calls]
        src += [f'  execv({c_string(w + "/tools/noop")}, argv);', '  return 127;', '}']
        with open(f'{tmp}/skeleton.c', 'w') as f:
            f.write('\n'.join(src) + '\n')
        with open(f'{tmp}/chain.c', 'w') as f:
            f.write(f'#include <unistd.h>\nint main(int argc, char** argv) {{ (void)argc; '
                    f'execv({c_string(w + "/tools/noop")}, argv); return 127; }}\n')
        for prog in ('skeleton', 'chain'):
            subprocess.run(['cc', '-O2', '-static', '-w', '-o', f'{w}/tools/floor-{prog}', f'{tmp}/{prog}.c'], check=True)
        tab = '\t'
        rest = tab.join(nvrunc_args)
        cases = [
            f'noop{tab}-{tab}-{tab}-{tab}{w}/tools/noop{tab}{rest}',
            f'chain{tab}-{tab}-{tab}-{tab}{w}/tools/floor-chain{tab}{rest}',
            f'skeleton{tab}{bundle}/orig.json>{copy}/config.json{tab}-{tab}-{tab}{w}/tools/floor-skeleton{tab}{rest}',
            f'nvrunc{tab}{bundle}/orig.json>{bundle}/config.json{tab}-{tab}NVRUNC_CONFIG={w}/gpu8/bench.toml{tab}'
            f'{w}/bin/nvrunc{tab}{rest}',
        ]
        with open(f'{tmp}/cases.tsv', 'w') as f:
            f.write('\n'.join(cases) + '\n')
        print(f'{len(calls)} system calls before the exec (glibc start-up not counted); {a.runs} runs per case')
        print(f'{"round":>5} {"no-op":>8} {"chain":>8} {"skeleton":>9} {"nvrunc":>8}   overheads (ms): '
              'chain / skeleton / nvrunc; calls = skeleton - chain, computing = nvrunc - skeleton')
        for r in range(a.rounds):
            subprocess.run([f'{w}/tools/bench-timer', '-n', str(a.runs), '-w', '10', '-o', f'{tmp}/out.csv',
                            f'{tmp}/cases.tsv'], check=True)
            m = medians(f'{tmp}/out.csv')
            o = {k: (v - m['noop']) / 1e3 for k, v in m.items()}
            print(f'{r + 1:>5} {m["noop"] / 1e3:8.3f} {m["chain"] / 1e3:8.3f} {m["skeleton"] / 1e3:9.3f} '
                  f'{m["nvrunc"] / 1e3:8.3f}   {o["chain"]:.3f} / {o["skeleton"]:.3f} / {o["nvrunc"]:.3f}; '
                  f'calls {o["skeleton"] - o["chain"]:.3f}, computing {o["nvrunc"] - o["skeleton"]:.3f}')
    shutil.rmtree(copy, ignore_errors=True)


if __name__ == '__main__':
    main()
