#!/usr/bin/env python3
"""report.py's verdicts on synthetic bench-timer CSVs: met, missed, and noisy when the machine was
saturated (a run's wall time far above its CPU time), where a difference of wall medians means
nothing and once printed a negative overhead as met."""
import csv
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = ["noop", "gpu1-first", "gpu8-first", "gpu8-steady", "gpu32-first", "gpu64-first", "mig64-first",
         "pad1k-first", "pad10k-first", "hook"]


def verdicts(times):
    """times: case -> (wall ms, cpu ms); every case gets 50 identical runs."""
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "results.csv")
        with open(path, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["case", "run", "ns", "cpu_ns", "maxrss_kib"])
            for name, (wall, cpu) in times.items():
                for i in range(50):
                    w.writerow([name, i, int(wall * 1e6), int(cpu * 1e6), 1024])
        out = subprocess.run([sys.executable, os.path.join(HERE, "report.py"), path, os.path.join(d, "r.json")],
                             check=True, capture_output=True, text=True).stdout
        with open(os.path.join(d, "r.json")) as f:
            targets = json.load(f)["targets"]
    return {t["target"]: t["met"] for t in targets}, out


def node_times(noop, per_case, wait=0.06):
    """Wall = CPU + wait for every case; the 8-GPU first pass costs `per_case` over the no-op."""
    extra = {"noop": 0, "gpu1-first": per_case - 0.05, "gpu8-first": per_case, "gpu8-steady": per_case + 0.04,
             "gpu32-first": per_case + 0.2, "gpu64-first": per_case + 0.45, "mig64-first": per_case + 0.6,
             "pad1k-first": per_case + 0.01, "pad10k-first": per_case, "hook": 2.5 - noop}
    return {n: (noop + extra[n] + wait, noop + extra[n]) for n in CASES}


FIRST = "create overhead, 8 GPUs, first pass, median < 1 ms"
FIRST_CPU = "create overhead, 8 GPUs, first pass, CPU-time median < 1 ms"
LINEAR_WALL = "cost grows at most linearly with devices (1, 8, 32, 64 GPUs; wall)"

failures = []


def expect(cond, what, out):
    if not cond:
        failures.append(what + "\n" + out)


# A quiet machine: wall and CPU agree.
v, out = verdicts(node_times(0.35, 0.55))
expect(v[FIRST] is True and v[FIRST_CPU] is True and v[LINEAR_WALL] is True, "quiet and fast: met", out)
v, out = verdicts(node_times(0.35, 1.2))
expect(v[FIRST] is False and v[FIRST_CPU] is False, "quiet and slow: missed", out)
expect("MISSED create overhead, 8 GPUs, first pass, median < 1 ms: 1.200 ms" in out, "missed is printed", out)

# A saturated machine: the no-op waited 3 ms for a CPU, the 8-GPU case less: a negative wall
# overhead, which is noise, not a met target; the CPU line still answers.
times = node_times(0.35, 0.55)
times["noop"] = (3.3, 0.30)
times["gpu8-first"] = (1.1, 0.87)
v, out = verdicts(times)
expect(v[FIRST] is None and v[LINEAR_WALL] is None, "saturated: wall verdicts are noisy", out)
expect(v[FIRST_CPU] is True, "saturated: the CPU verdict stands", out)
expect("NOISY  create overhead, 8 GPUs, first pass, median < 1 ms" in out, "noisy is printed", out)
# Every case waiting alike, without a negative difference, is still noise.
v, out = verdicts(node_times(0.35, 0.55, wait=1.0))
expect(v[FIRST] is None and v[FIRST_CPU] is True, "every case waited: noisy wall, CPU met", out)

if failures:
    print("\n\n".join(failures))
    sys.exit(1)
print("report.py verdicts: ok")
