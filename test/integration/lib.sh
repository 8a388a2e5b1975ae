# Shared helpers for nvrunc's integration tests (bash; sourced, not run).
#
# Tests are real: they start containers with runc, containerd or podman as root, on a simulated GPU
# node (nvrunc-ctl mock-driver) unless NVRUNC_REAL_GPU=1. Each test exits 0 (pass), 1 (fail) or
# 77 (skipped: not root, or a tool is missing).
#
# Environment: NVRUNC_BIN (dir with nvrunc, nvrunc-hook, nvrunc-ctl, nvrunc-probe; default
# build/bin), NVRUNC_KEEP=1 keeps the scratch directory for inspection.

set -uo pipefail

NVRUNC_BIN=${NVRUNC_BIN:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build/bin}
NVRUNC=$NVRUNC_BIN/nvrunc
NVRUNC_CTL=$NVRUNC_BIN/nvrunc-ctl
NVRUNC_PROBE=$NVRUNC_BIN/nvrunc-probe
failures=0

skip() { echo "SKIP: $*" >&2; exit 77; }
need_root() { [[ $(id -u) -eq 0 ]] || skip "needs root (real containers)"; }
need_tool() { command -v "$1" >/dev/null 2>&1 || skip "needs $1 (packaging/install-deps.sh --test)"; }

pass() { echo "  ok: $*"; }
fail() { echo "  FAIL: $*" >&2; failures=$((failures + 1)); }
check() { # check DESCRIPTION COMMAND...: passes when the command succeeds
  local what=$1; shift
  if "$@"; then pass "$what"; else fail "$what"; fi
}
check_eq() { # check_eq DESCRIPTION EXPECTED ACTUAL
  if [[ "$2" == "$3" ]]; then pass "$1"; else fail "$1: expected [$2], got [$3]"; fi
}
check_contains() { # check_contains DESCRIPTION HAYSTACK NEEDLE
  if [[ "$2" == *"$3"* ]]; then pass "$1"; else fail "$1: [$3] not in [$2]"; fi
}
check_not_contains() {
  if [[ "$2" != *"$3"* ]]; then pass "$1"; else fail "$1: [$3] unexpectedly in [$2]"; fi
}
finish() {
  if ((failures)); then echo "$failures check(s) failed" >&2; exit 1; fi
  echo "all checks passed"
  exit 0
}

# A scratch directory removed at exit (with every container started under it).
scratch_init() {
  SCRATCH=$(mktemp -d /tmp/nvrunc-it-XXXXXX)
  RUNC_ROOT=$SCRATCH/runc-root
  mkdir -p "$RUNC_ROOT"
  trap scratch_cleanup EXIT
}
scratch_cleanup() {
  local id
  for id in $(runc --root "$RUNC_ROOT" list -q 2>/dev/null); do runc --root "$RUNC_ROOT" delete -f "$id" >/dev/null 2>&1; done
  grep -F " $SCRATCH/" /proc/mounts | awk '{print $2}' | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  if [[ "${NVRUNC_KEEP:-0}" == 1 ]]; then echo "kept $SCRATCH" >&2; else rm -rf "$SCRATCH"; fi
}

# make_rootfs DIR: busybox-static, the host's glibc (so dynamically linked programs such as
# nvidia-smi and the probe run), /etc/debian_version, and the probe. No ld.so.conf, no ld.so.cache:
# like busybox or distroless images, the container starts with no ldconfig configuration.
make_rootfs() {
  local root=$1 lib=/lib/x86_64-linux-gnu applet
  mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc,lib64,usr/bin,usr/local/bin,usr/lib/x86_64-linux-gnu} "$root$lib"
  cp "${BUSYBOX:-/bin/busybox}" "$root/bin/busybox"
  for applet in $("$root/bin/busybox" --list); do
    [[ $applet == busybox ]] || ln -sf busybox "$root/bin/$applet"
  done
  cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
  for f in libc.so.6 libm.so.6 libdl.so.2 libpthread.so.0 librt.so.1 libgcc_s.so.1; do
    [[ -e $lib/$f ]] && cp -L "$lib/$f" "$root$lib/"
  done
  echo "12.0" >"$root/etc/debian_version"
  echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
  [[ -x $NVRUNC_PROBE ]] && cp "$NVRUNC_PROBE" "$root/usr/local/bin/nvrunc-probe"
  return 0
}

# add_libs_for ROOT BINARY...: copies the shared libraries the binaries need (as ldd resolves them on
# this host) into ROOT, except the NVIDIA ones nvrunc injects. For real driver binaries.
add_libs_for() {
  local root=$1 bin lib; shift
  for bin in "$@"; do
    ldd "$bin" 2>/dev/null | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' | while read -r lib; do
      case "$(basename "$lib")" in libnvidia*|libcuda*) continue ;; esac
      mkdir -p "$root$(dirname "$lib")"
      [[ -e $root$lib ]] || cp -L "$lib" "$root$lib"
    done
  done
}

# make_bundle DIR SCRIPT [ENV...]: a runc spec whose process runs `sh -c SCRIPT` with ENV.
make_bundle() {
  local bundle=$1 script=$2; shift 2
  mkdir -p "$bundle"
  [[ -d $bundle/rootfs ]] || make_rootfs "$bundle/rootfs"
  (cd "$bundle" && rm -f config.json && runc spec)
  # python3 rather than jq: the real-GPU smoke runs on hosts where nothing can be installed.
  python3 - "$bundle/config.json" "$script" "PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin" "$@" <<'PY'
import json, sys
path, script, env = sys.argv[1], sys.argv[2], sys.argv[3:]
with open(path) as f:
    spec = json.load(f)
spec["process"].update(terminal=False, args=["sh", "-c", script], env=env)
with open(path, "w") as f:
    json.dump(spec, f, indent="\t")
PY
}

# make_node DIR [GPUS]: a simulated GPU node; prints nothing, sets NVRUNC_CONFIG.
make_node() {
  "$NVRUNC_CTL" mock-driver --root "$1" --gpus "${2:-2}" >/dev/null 2>"$1.log" || { cat "$1.log" >&2; return 1; }
  export NVRUNC_CONFIG=$1/config.toml
}

# uuid_of NODE INDEX: the UUID the simulated node gave GPU INDEX.
uuid_of() { python3 -c 'import json,sys; print(next(g["uuid"] for g in json.load(open(sys.argv[1]))["gpus"] if g["index"] == int(sys.argv[2])))' "$1/mock-driver.json" "$2"; }
