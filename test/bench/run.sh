#!/usr/bin/env bash
# nvrunc's benchmark (a measurement, never a pass/fail test): what nvrunc adds to `create`, how that
# grows with devices and ld.so.cache size, a real container's create+start+delete with and without
# nvrunc, the hook's time per container, and peak RSS. Results: a table on stdout, and
# build/bench/results.{json,csv} (--out DIR to change). See test/bench/RESULTS.md.
#
#   sudo test/bench/run.sh [--quick] [--runs N] [--out DIR] [--keep]
#
#   --quick   fewer runs and only the 1- and 8-GPU nodes (under a minute; for smoke runs)
#   --runs N  repetitions of each short case (default 300; --quick 40)
#   --keep    keep the scratch directory ($NVRUNC_BENCH_DIR, default /run/nvrunc-bench)
#   --disk    leave the scratch directory where it is even when it is not on tmpfs (by default a
#             tmpfs is mounted there: bundles live on tmpfs in production, and on a disk the atomic
#             save's fsyncs dominate the first pass)
#
# Binaries: $NVRUNC_BIN (default build/bin): nvrunc, nvrunc-hook, nvrunc-ctl. Needs root (simulated
# nodes have device nodes; real containers), runc, busybox, python3 and a C compiler.
#
# Method. Every case runs round-robin with the others in one bench-timer process (timer.c:
# fork + execve + wait4, CLOCK_MONOTONIC), so load from other processes falls on all cases alike.
# (a) nvrunc create with a no-op low-level runtime (noop.c, static): overhead = median(nvrunc create
#     -> noop) - median(noop alone, same argv). "first": config.json restored to the engine's
#     original before each run (outside the timed region): nvrunc edits and writes it; "steady":
#     config.json already edited: nvrunc decides there is nothing to change. Bundles live on tmpfs
#     (like /run/containerd), as in production: the atomic save's fsync costs nothing there.
# (b) the same on the 8-GPU node with 1,000 and 10,000 unrelated libraries in its ld.so.cache.
# (c) a busybox container, `create; start; delete --force` by real runc, through nvrunc (first pass,
#     the hook included) and without it, driven by the same small shell script.
# (d) nvrunc-hook create-container exactly as config.json says (path, args, env), the OCI state on
#     stdin, on a rootfs holding the files the mounts would bring.
# (e) peak RSS (wait4's ru_maxrss) of nvrunc on the no-op path and of the hook (with its ldconfig).
# (f) not with --quick: bench-phases (phases.cpp; the build's nvrunc_bench_phases target, or compiled
#     here against the build's lib/*.a) times each step of create in one process, and how
#     edits::apply and parse_ldcache grow; OUT/phases.txt. The build is $NVRUNC_BUILD (default
#     $NVRUNC_BIN/..).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
quick=0 runs="" out=$repo/build/bench keep=0 disk=0
while (($#)); do
  case "$1" in
    --quick) quick=1; shift ;;
    --runs) runs=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --keep) keep=1; shift ;;
    --disk) disk=1; shift ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "bench: unknown argument \`$1\` (see --help)" >&2; exit 2 ;;
  esac
done
[[ -n $runs ]] || runs=$((quick ? 40 : 300))
life_runs=$((quick ? 3 : 40))
hook_runs=$((quick ? 20 : 200))

export NVRUNC_BIN=${NVRUNC_BIN:-$repo/build/bin}
NVRUNC_BIN=$(cd "$NVRUNC_BIN" && pwd)
# shellcheck source=../integration/lib.sh
source "$repo/test/integration/lib.sh"
set -e
[[ $(id -u) -eq 0 ]] || { echo "bench: needs root (simulated nodes, real containers)" >&2; exit 1; }
for tool in runc python3 cc ldconfig; do
  command -v "$tool" >/dev/null || { echo "bench: needs $tool (packaging/install-deps.sh --test)" >&2; exit 1; }
done
for b in nvrunc nvrunc-hook nvrunc-ctl; do
  [[ -x $NVRUNC_BIN/$b ]] || { echo "bench: no $NVRUNC_BIN/$b (build first, or set NVRUNC_BIN)" >&2; exit 1; }
done

W=${NVRUNC_BENCH_DIR:-/run/nvrunc-bench}
if mountpoint -q "$W" 2>/dev/null; then umount -l "$W"; fi
rm -rf "$W"
mkdir -p "$W"
# Bundles live on tmpfs in production (/run/containerd, /run/containers): make sure they do here.
tmpfs=0
if [[ $(stat -f -c %T "$W") != tmpfs ]] && ((!disk)); then
  mount -t tmpfs -o mode=0755,size=2g nvrunc-bench "$W" && tmpfs=1
fi
mkdir -p "$W/tools" "$W/runc-root" "$out"
cleanup() { # keeps the script's exit status; must not stop half-way (set -e, pipefail)
  local rc=$? id m
  set +e
  for id in $(runc --root "$W/runc-root" list -q 2>/dev/null); do runc --root "$W/runc-root" delete -f "$id" >/dev/null 2>&1; done
  if ((keep)); then
    echo "kept $W" >&2
  else
    grep -F " $W/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
    ((tmpfs)) && umount -l "$W"
    rm -rf "$W"
  fi
  exit "$rc"
}
trap cleanup EXIT
log() { printf '[bench %(%T)T] %s\n' -1 "$*" >&2; }

# --- tools ------------------------------------------------------------------------------------------
cc -O2 -static -o "$W/tools/noop" "$here/noop.c"
cc -O2 -o "$W/tools/bench-timer" "$here/timer.c"
NOOP=$W/tools/noop TIMER=$W/tools/bench-timer
# The binaries run from the scratch directory, as installed ones run from /usr/bin: where a build
# directory happens to be (a long path on a slow disk) is not nvrunc's cost. The hook and nvrunc-ctl
# are found beside nvrunc.
BIN=$W/bin
mkdir -p "$BIN"
cp "$NVRUNC_BIN"/nvrunc "$NVRUNC_BIN"/nvrunc-hook "$NVRUNC_BIN"/nvrunc-ctl "$BIN/"

# --- simulated nodes ----------------------------------------------------------------------------------
# node NAME ARGS...: a simulated node, with bench.toml = the node's config + the no-op as low-level
# runtime, after the comments of the shipped config/config.toml: an installed file is that file with
# a few keys set, and every command of nvrunc reads it whole.
node() {
  local name=$1; shift
  "$NVRUNC_BIN/nvrunc-ctl" mock-driver --root "$W/$name" "$@" >/dev/null 2>"$W/$name.log" ||
    { cat "$W/$name.log" >&2; exit 1; }
  { grep -v '^\[' "$here/../../config/config.toml"; cat "$W/$name/config.toml"
    printf '\n[nvidia-container-runtime]\nruntimes = ["%s"]\n' "$NOOP"; } >"$W/$name/bench.toml"
}
# pad_ldcache NODE COUNT: COUNT unrelated libraries (distinct SONAMEs) in NODE's ld.so.cache.
pad_ldcache() {
  local root=$W/$1 count=$2 dir=/usr/lib/bench-padding
  mkdir -p "$root$dir"
  printf 'int bench_pad(void) { return 0; }\n' >"$W/tools/pad.c"
  cc -shared -fPIC -nostdlib -Wl,-soname,libbenchpad00000000.so.1 -o "$W/tools/pad.so" "$W/tools/pad.c"
  python3 - "$W/tools/pad.so" "$root$dir" "$count" <<'PY'
import sys
template, directory, count = open(sys.argv[1], "rb").read(), sys.argv[2], int(sys.argv[3])
key = b"libbenchpad00000000.so.1"
assert template.count(key) == 1
for i in range(count):
    name = b"libbenchpad%08d.so.1" % i
    with open(f"{directory}/{name.decode()}", "wb") as f:
        f.write(template.replace(key, name))
PY
  echo "$dir" >>"$root/etc/ld.so.conf"
  ldconfig -r "$root" 2>/dev/null
}

mig_layout() { local g; for g in $(seq 0 7); do printf -- '--mig-layout %s:1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb,1g.10gb ' "$g"; done; }
have_mig=0
"$NVRUNC_BIN/nvrunc-ctl" mock-driver --help 2>&1 | grep -q -- '--mig-layout' && have_mig=1

log "building simulated nodes"
nodes=(gpu1 gpu8)
node gpu1 --gpus 1
node gpu8 --gpus 8
if ((!quick)); then
  if ((have_mig)); then
    # shellcheck disable=SC2046
    node mig64 --gpus 8 $(mig_layout)   # 8 GPUs x 7 MIG devices: 64 devices
  else
    node mig64 --gpus 64                # no MIG in this nvrunc-ctl: 64 whole GPUs instead
  fi
  node gpu32 --gpus 32
  node gpu64 --gpus 64
  node pad1k --gpus 8 && pad_ldcache pad1k 1000
  node pad10k --gpus 8 && pad_ldcache pad10k 10000
  nodes+=(gpu32 gpu64 mig64 pad1k pad10k)
fi

# --- bundles -----------------------------------------------------------------------------------------
# One busybox rootfs shared by every bundle (root.path is absolute); config.json as `runc spec` makes
# it, asking for every device and every capability; orig.json keeps the engine's original.
log "building bundles"
make_rootfs "$W/rootfs"
bundle() { # bundle NAME [--own-rootfs] ENV...
  local b=$W/bundles/$1 rootfs=$W/rootfs; shift
  mkdir -p "$b"
  if [[ ${1:-} == --own-rootfs ]]; then
    shift
    cp -a "$W/rootfs" "$b/rootfs" # a real container writes into its rootfs (mount points, the hook)
    rootfs=$b/rootfs
  else
    ln -sfn "$W/rootfs" "$b/rootfs"
  fi
  make_bundle "$b" "true" "$@" >/dev/null
  python3 - "$b/config.json" "$rootfs" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["root"] = {"path": sys.argv[2], "readonly": True}
json.dump(spec, open(sys.argv[1], "w"), indent="\t")
PY
  [[ -L $b/rootfs ]] && rm -f "$b/rootfs"
  cp "$b/config.json" "$b/orig.json"
}
ALL=(NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=all)
for n in "${nodes[@]}"; do
  bundle "$n-first" "${ALL[@]}"
  bundle "$n-steady" "${ALL[@]}"
done
bundle nogpu
if ((!quick)) && ((have_mig)); then
  # The same 56 MIG devices by UUID, as Kubernetes' device plugin (mixed strategy) writes them: the
  # one request form that makes nvrunc load NVML.
  uuids=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(",".join(m["uuid"] for g in d["gpus"] for m in g.get("mig", [])))' "$W/mig64/mock-driver.json" 2>/dev/null || true)
  if [[ $uuids == MIG-* ]]; then
    bundle mig64uuid-first "NVIDIA_VISIBLE_DEVICES=$uuids" NVIDIA_DRIVER_CAPABILITIES=all
    nodes+=(mig64uuid)
  fi
fi

# --- (a), (b), (e): nvrunc create with the no-op runtime ----------------------------------------------
# The argv containerd's runc shim sends (--root, --log in json, --bundle, --pid-file, the id).
argv_for() { # argv_for BUNDLE ID: TAB-separated
  printf '%s\t' --root "$W/runc-root" --log "$1/log.json" --log-format json create --bundle "$1" --pid-file "$1/init.pid"
  printf '%s' "$2"
}
cases=$W/cases-create.tsv
: >"$cases"
printf 'noop\t-\t-\t-\t%s\t%s\n' "$NOOP" "$(argv_for "$W/bundles/nogpu" bench)" >>"$cases"
printf 'nogpu\t-\t-\tNVRUNC_CONFIG=%s\t%s\t%s\n' "$W/gpu8/bench.toml" "$BIN/nvrunc" \
  "$(argv_for "$W/bundles/nogpu" bench)" >>"$cases"
printf 'state\t-\t-\tNVRUNC_CONFIG=%s\t%s\t--root\t%s\tstate\tbench\n' "$W/gpu8/bench.toml" "$BIN/nvrunc" "$W/runc-root" >>"$cases"
for n in "${nodes[@]}"; do
  cfg=$W/${n%uuid}/bench.toml
  b=$W/bundles/$n-first
  printf '%s-first\t%s>%s\t-\tNVRUNC_CONFIG=%s\t%s\t%s\n' "$n" "$b/orig.json" "$b/config.json" "$cfg" \
    "$BIN/nvrunc" "$(argv_for "$b" "bench-$n")" >>"$cases"
  [[ -d $W/bundles/$n-steady ]] || continue
  b=$W/bundles/$n-steady
  NVRUNC_CONFIG=$cfg "$BIN/nvrunc" --root "$W/runc-root" create --bundle "$b" "bench-$n" # edit once
  printf '%s-steady\t-\t-\tNVRUNC_CONFIG=%s\t%s\t%s\n' "$n" "$cfg" "$BIN/nvrunc" "$(argv_for "$b" "bench-$n")" >>"$cases"
done
log "(a)(b)(e) nvrunc create, no-op runtime: $runs runs x $(wc -l <"$cases") cases"
"$TIMER" -n "$runs" -w 10 -o "$W/create.csv" "$cases"

# --- (d) the hook --------------------------------------------------------------------------------------
# The rootfs as the container sees it at createContainer: the driver files the mounts bring (copied,
# not bind-mounted, so the scratch tree stays simple), the hook run as config.json says.
log "(d) nvrunc-hook: $hook_runs runs"
hb=$W/bundles/hook
mkdir -p "$hb"
cp -a "$W/rootfs" "$hb/rootfs"
python3 - "$W/bundles/gpu8-steady/config.json" "$hb" "$W/hook-cases.tsv" <<'PY'
import json, os, shutil, sys
spec, bundle, cases = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
spec["root"] = {"path": "rootfs"}
for m in spec.get("mounts", []):
    src, dst = m.get("source", ""), bundle + "/rootfs" + m.get("destination", "")
    if m.get("type") == "bind" and os.path.isfile(src):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy(src, dst)
json.dump(spec, open(bundle + "/config.json", "w"), indent="\t")
json.dump({"ociVersion": "1.0.2", "id": "bench-hook", "status": "creating", "pid": os.getpid(), "bundle": bundle},
          open(bundle + "/state.json", "w"))
hook = spec["hooks"]["createContainer"][0]
with open(cases, "w") as f:
    f.write("\t".join(["hook", "-", bundle + "/state.json", ";".join(hook["env"]), hook["path"]] + hook["args"][1:]) + "\n")
    # The same without its ldconfig run, and that ldconfig alone (unsandboxed): where the time goes.
    f.write("\t".join(["hook-no-ldconfig", "-", bundle + "/state.json", ";".join(hook["env"]), hook["path"]]
                      + hook["args"][1:] + ["--no-ldconfig"]) + "\n")
    f.write("\t".join(["ldconfig-alone", "-", "-", "-", "/sbin/ldconfig", "-r", bundle + "/rootfs",
                       "/usr/lib/x86_64-linux-gnu"]) + "\n")
PY
"$TIMER" -n "$hook_runs" -w 3 -o "$W/hook.csv" "$W/hook-cases.tsv"

# --- (c) a real container, with and without nvrunc -----------------------------------------------------
log "(c) create+start+delete of a busybox container with runc: $life_runs runs"
cat >"$W/tools/lifecycle.sh" <<'EOF'
#!/bin/sh
# lifecycle.sh RUNTIME ROOT BUNDLE ID: what an engine does for a short-lived container.
"$1" --root "$2" create --bundle "$3" --pid-file "$3/init.pid" "$4" &&
  "$1" --root "$2" start "$4" &&
  "$1" --root "$2" delete --force "$4"
EOF
chmod +x "$W/tools/lifecycle.sh"
life=$W/cases-life.tsv
bundle life-runc --own-rootfs "${ALL[@]}"
bundle life-nvrunc --own-rootfs "${ALL[@]}"
printf 'runc\t-\t-\t-\t/bin/sh\t%s\t%s\t%s\t%s\tlife-runc\n' "$W/tools/lifecycle.sh" "$(command -v runc)" "$W/runc-root" \
  "$W/bundles/life-runc" >"$life"
printf 'nvrunc\t%s>%s\t-\tNVRUNC_CONFIG=%s\t/bin/sh\t%s\t%s\t%s\t%s\tlife-nvrunc\n' "$W/bundles/life-nvrunc/orig.json" \
  "$W/bundles/life-nvrunc/config.json" "$W/gpu8/config.toml" "$W/tools/lifecycle.sh" "$BIN/nvrunc" \
  "$W/runc-root" "$W/bundles/life-nvrunc" >>"$life"
"$TIMER" -n "$life_runs" -w 1 -o "$W/life.csv" "$life"

# --- (f) where the time goes: phases in one process, and how apply and the cache parser scale -----------
# bench-phases (phases.cpp) links nvrunc's static libraries: the build's nvrunc_bench_phases target
# (test/bench/CMakeLists.txt) where the build directory has it, else compiled here against its lib/.
build=${NVRUNC_BUILD:-$NVRUNC_BIN/..}
phases_bin() {
  if [[ -f $build/CMakeCache.txt ]] &&
     cmake --build "$build" --target nvrunc_bench_phases >"$W/phases-build.log" 2>&1 &&
     [[ -x $build/bench-bin/bench-phases ]]; then
    echo "$build/bench-bin/bench-phases"; return 0
  fi
  local libs=("$build"/lib/libnvrunc_*.a)
  [[ -f ${libs[0]} ]] && command -v c++ >/dev/null || return 1
  c++ -std=c++20 -O2 -D_GNU_SOURCE -DTOML_HEADER_ONLY=1 -I"$repo/include" "$here/phases.cpp" \
    -o "$W/tools/bench-phases" -Wl,--start-group "${libs[@]}" -Wl,--end-group \
    -l:libyaml-cpp.a -lcap -lseccomp -ldl >>"$W/phases-build.log" 2>&1 || return 1
  echo "$W/tools/bench-phases"
}
if ((!quick)); then
  if phases=$(phases_bin); then
    log "(f) phases (in process) and scaling of apply and parse_ldcache"
    {
      for n in gpu8 mig64 pad10k; do
        NVRUNC_CONFIG=$W/$n/bench.toml "$phases" "$W/bundles/$n-first" 200
        echo
      done
      "$phases" --scaling "$W/gpu8/etc/ld.so.cache" "$W/pad1k/etc/ld.so.cache" "$W/pad10k/etc/ld.so.cache"
    } >"$out/phases.txt"
  else
    log "(f) skipped: no bench-phases from $build (see $W/phases-build.log)"
    cp "$W/phases-build.log" "$out/phases-build.log" 2>/dev/null || true
  fi
fi

# --- report ----------------------------------------------------------------------------------------------
{
  echo "case,run,ns,cpu_ns,maxrss_kib"
  tail -n +2 "$W/create.csv"
  tail -n +2 "$W/hook.csv"
  tail -n +2 "$W/life.csv" | sed 's/^/life-/'
} >"$out/results.csv"
[[ -f $out/phases.txt ]] && { echo; cat "$out/phases.txt"; echo; }
python3 "$here/report.py" "$out/results.csv" "$out/results.json" \
  --meta "quick=$quick" "runs=$runs" "mig=$have_mig" "nvrunc=$BIN/nvrunc" \
  "kernel=$(uname -r)" "cpus=$(nproc)" "runc=$(runc --version | head -1)" "load=$(cut -d' ' -f1-3 /proc/loadavg)" \
  "bundles_on=$(stat -f -c %T "$W")"
