#!/usr/bin/env bash
# What nvrunc adds to `create` on this host's real driver (a measurement, never a pass/fail test):
# the same method as test/bench/run.sh (nvrunc exec'ing a static no-op "runtime", minus the no-op
# alone, round-robin in one bench-timer process), on bundles asking for GPU 0 and for every GPU
# with every capability, with the inventory snapshot (in a scratch cache directory) and without it,
# and the `state` pass-through. Bundles live on a tmpfs, as under /run/containerd.
#
#   sudo test/gpu/real-bench.sh [--runs N] [--out DIR]     (default 300 runs; OUT/real.csv)
#
# Exits 77 where no NVIDIA driver is loaded. Needs root, runc, busybox-static ($BUSYBOX), python3,
# a C compiler, and the binaries in $NVRUNC_BIN (default build/bin).
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
runs=300 out=""
while (($#)); do
  case "$1" in
    --runs) runs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "real-bench: unknown argument \`$1\` (see --help)" >&2; exit 2 ;;
  esac
done
# shellcheck source=../integration/lib.sh
source "$here/../integration/lib.sh"
[[ -r /proc/driver/nvidia/version ]] || skip "no NVIDIA driver on this host (/proc/driver/nvidia/version)"
need_root
need_tool runc
need_tool python3
need_tool cc
[[ -x ${BUSYBOX:-/bin/busybox} ]] || skip "needs busybox-static (set BUSYBOX)"
# The image's or the shell's LD_LIBRARY_PATH would make the hook refuse to run, rightly; nvrunc
# itself does not care, but the figures should be those of a clean environment.
unset LD_LIBRARY_PATH NVRUNC_CONFIG
scratch_init
W=$SCRATCH/tmpfs
mkdir -p "$W"
mount -t tmpfs -o size=512m nvrunc-real-bench "$W" || { echo "real-bench: cannot mount a tmpfs" >&2; exit 1; }
trap 'umount -l "$W" 2>/dev/null; scratch_cleanup' EXIT
out=${out:-$SCRATCH}
mkdir -p "$out" "$W/bin" "$W/cache"
cc -O2 -static -o "$W/noop" "$here/../bench/noop.c"
cc -O2 -o "$W/timer" "$here/../bench/timer.c"
cp "$NVRUNC" "$NVRUNC_BIN/nvrunc-hook" "$NVRUNC_CTL" "$W/bin/" # run from the tmpfs, as from /usr/bin
printf '[nvrunc]\ncache-dir = "%s"\n[nvidia-container-runtime]\nruntimes = ["%s"]\n' "$W/cache" "$W/noop" >"$W/snapshot.toml"
printf '[nvrunc]\ncache-dir = ""\n[nvidia-container-runtime]\nruntimes = ["%s"]\n' "$W/noop" >"$W/fresh.toml"

make_rootfs "$W/rootfs"
for name in gpu0 all; do
  b=$W/$name
  mkdir -p "$b"
  ln -s "$W/rootfs" "$b/rootfs"
  make_bundle "$b" true "NVIDIA_VISIBLE_DEVICES=${name#gpu}" NVIDIA_DRIVER_CAPABILITIES=all >/dev/null
  python3 - "$b/config.json" "$W/rootfs" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["root"] = {"path": sys.argv[2], "readonly": True}
json.dump(spec, open(sys.argv[1], "w"), indent="\t")
PY
  rm "$b/rootfs"
  cp "$b/config.json" "$b/orig.json"
done
# Save the snapshot (a discovery that saw a change in the last second is not saved), then check it hits.
sleep 1.1
NVRUNC_CONFIG=$W/snapshot.toml "$W/bin/nvrunc" --root "$W/rr" create --bundle "$W/gpu0" warm || exit 1
cp "$W/gpu0/orig.json" "$W/gpu0/config.json"
NVRUNC_CONFIG=$W/snapshot.toml "$W/bin/nvrunc" --debug --root "$W/rr" --log "$W/gpu0/log.json" --log-format json \
  create --bundle "$W/gpu0" warm || exit 1
head -1 /proc/driver/nvidia/version
grep -o 'inventory snapshot: [a-z]*' "$W/gpu0/log.json" | tail -1

argv() { printf '%s\t--root\t%s\t--log\t%s\t--log-format\tjson\tcreate\t--bundle\t%s\t--pid-file\t%s\tbench' \
  "$1" "$W/rr" "$2/log.json" "$2" "$2/init.pid"; }
first() { printf '%s\t%s>%s\t-\tNVRUNC_CONFIG=%s\t%s\n' "$1" "$2/orig.json" "$2/config.json" "$3" "$(argv "$W/bin/nvrunc" "$2")"; }
{
  printf 'noop\t-\t-\t-\t%s\n' "$(argv "$W/noop" "$W/gpu0")"
  first gpu0-first "$W/gpu0" "$W/snapshot.toml"
  first all-first "$W/all" "$W/snapshot.toml"
  first gpu0-first-no-snapshot "$W/gpu0" "$W/fresh.toml"
  printf 'state\t-\t-\tNVRUNC_CONFIG=%s\t%s\t--root\t%s\tstate\tbench\n' "$W/snapshot.toml" "$W/bin/nvrunc" "$W/rr"
} >"$W/cases.tsv"
"$W/timer" -n "$runs" -w 10 -o "$out/real.csv" "$W/cases.tsv" || exit 1
python3 - "$out/real.csv" <<'PY'
import csv, statistics, sys
by = {}
for row in csv.DictReader(open(sys.argv[1])):
    by.setdefault(row["case"], []).append(row)
med = lambda rows, f: statistics.median(float(r[f]) for r in rows)
noop, noop_cpu = med(by["noop"], "ns"), med(by["noop"], "cpu_ns")
print(f"{'case':26s} {'median ms':>10s} {'overhead ms':>12s} {'CPU overhead ms':>16s} {'RSS KiB':>8s}")
for case, rows in by.items():
    print(f"{case:26s} {med(rows, 'ns') / 1e6:10.3f} {(med(rows, 'ns') - noop) / 1e6:12.3f} "
          f"{(med(rows, 'cpu_ns') - noop_cpu) / 1e6:16.3f} {med(rows, 'maxrss_kib'):8.0f}")
PY
