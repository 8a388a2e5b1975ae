#!/usr/bin/env bash
# Real-GPU smoke check: on a host with an NVIDIA driver, run a container through nvrunc and runc
# with NVIDIA_VISIBLE_DEVICES=0 and, inside it, the host's real nvidia-smi and nvrunc-probe
# (dlopen libnvidia-ml.so.1 and libcuda.so.1 by SONAME, nvmlDeviceGetCount, cuDeviceGetCount).
# Exits 77 where no NVIDIA driver is loaded, 0 when every check passes, 1 otherwise.
#
# Needs root, runc ($RUNC or PATH), busybox-static ($BUSYBOX or /bin/busybox) and python3; nothing
# is installed. Uses the binaries in $NVRUNC_BIN (default build/bin): nvrunc and nvrunc-hook are
# static and nvrunc-ctl links only glibc, so a build from another machine can be copied here.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../integration/lib.sh"

[[ -r /proc/driver/nvidia/version ]] || skip "no NVIDIA driver on this host (/proc/driver/nvidia/version)"
need_root
[[ -n ${RUNC:-} ]] && PATH=$(dirname "$RUNC"):$PATH
need_tool runc
need_tool python3
[[ -x ${BUSYBOX:-/bin/busybox} ]] || skip "needs busybox-static (set BUSYBOX)"
for b in "$NVRUNC" "$NVRUNC_CTL" "$NVRUNC_BIN/nvrunc-hook" "$NVRUNC_PROBE"; do
  [[ -x $b ]] || { echo "missing $b: build first (cmake --build build) or set NVRUNC_BIN" >&2; exit 1; }
done
unset NVRUNC_CONFIG
GPU=${GPU:-0}
scratch_init

echo "== host: $(head -1 /proc/driver/nvidia/version)"
echo "== host: $(runc --version | head -1), kernel $(uname -r), $(stat -fc %T /sys/fs/cgroup) at /sys/fs/cgroup"
host_smi=$(command -v nvidia-smi || true)
[[ -n $host_smi ]] && "$host_smi" -L | sed 's/^/   host nvidia-smi: /'

echo "== nvrunc-ctl info"
"$NVRUNC_CTL" info >"$SCRATCH/info.txt" 2>&1
check_eq "info exits 0" 0 "$?"
sed 's/^/   /' "$SCRATCH/info.txt"
uuid=$("$NVRUNC_CTL" info --json | python3 -c "import json,sys; print(json.load(sys.stdin)['gpus'][$GPU]['uuid'])")
smi=$("$NVRUNC_CTL" info --json | python3 -c "import json,sys; print(next((b['path'] for b in json.load(sys.stdin)['binaries'] if b['name']=='nvidia-smi'), ''))")

B=$SCRATCH/gpu
make_bundle "$B" '
  echo "\$ ls -l /dev/nvidia*"; ls -l /dev/nvidia*
  echo "\$ nvidia-smi -L"; nvidia-smi -L
  echo "\$ nvidia-smi"; nvidia-smi
  echo "\$ nvrunc-probe libs"; nvrunc-probe libs
  echo "\$ nvrunc-probe open /dev/nvidia'"$GPU"'"; nvrunc-probe open /dev/nvidia'"$GPU"'
  echo "\$ cat /etc/ld.so.conf.d/00-nvrunc.conf"; cat /etc/ld.so.conf.d/00-nvrunc.conf
  echo "\$ grep ModifyDeviceFiles /proc/driver/nvidia/params"; grep ModifyDeviceFiles /proc/driver/nvidia/params
  echo "\$ echo > /proc/driver/nvidia/params"; (echo x > /proc/driver/nvidia/params) 2>&1; true' \
  "NVIDIA_VISIBLE_DEVICES=$GPU" "NVIDIA_REQUIRE_CUDA=cuda>=12.0 brand=tesla"
[[ -n $smi ]] && add_libs_for "$B/rootfs" "${smi}"
"$NVRUNC_CTL" explain --bundle "$B" >"$SCRATCH/explain.txt" 2>&1
check_eq "explain exits 0" 0 "$?"
echo "== nvrunc-ctl explain (devices and the first mounts)"
sed -n '1,/^hooks:/p' "$SCRATCH/explain.txt" | head -40 | sed 's/^/   /'

echo "== nvrunc run (NVIDIA_VISIBLE_DEVICES=$GPU)"
start=$(date +%s.%N)
out=$("$NVRUNC" --root "$RUNC_ROOT" --log "$SCRATCH/runc.log" --log-format json run -b "$B" smoke 2>&1)
rc=$?
end=$(date +%s.%N)
echo "$out" | sed 's/^/   | /'
[[ -s $SCRATCH/runc.log ]] && sed 's/^/   log: /' "$SCRATCH/runc.log"
check_eq "container exit status" 0 "$rc"
check_contains "real nvidia-smi -L in the container lists GPU $GPU" "$out" "(UUID: $uuid)"
check_contains "probe: libnvidia-ml.so.1 loaded by SONAME" "$out" "nvml.loaded="
check_contains "probe: nvmlDeviceGetCount = 1" "$out" "nvml.count=1"
check_contains "probe: cuDeviceGetCount = 1" "$out" "cuda.count=1"
check_contains "probe: the GPU node opens" "$out" "/dev/nvidia$GPU: ok"
check_contains "the driver cannot change device nodes (params masked)" "$out" "ModifyDeviceFiles: 0"
check_contains "the masked params file is read-only" "$out" "Read-only file system"
check_contains "cuda>=12.0 was checked through NVML and met" "$(cat "$SCRATCH/explain.txt")" "(met)"
printf '   wall time of `nvrunc run` (create+start+process+delete): %.3f s\n' "$(echo "$end - $start" | bc 2>/dev/null || python3 -c "print($end-$start)")"

echo "== a container that asks for nothing is left alone"
P=$SCRATCH/plain
make_bundle "$P" 'ls /dev | grep -c nvidia || true'
cp "$P/config.json" "$SCRATCH/plain.json"
out=$("$NVRUNC" --root "$RUNC_ROOT" run -b "$P" plain 2>&1)
check_eq "no NVIDIA node inside" 0 "$out"
check "config.json byte for byte unchanged" cmp -s "$SCRATCH/plain.json" "$P/config.json"

echo "== requirements and capabilities through the real NVML"
make_bundle "$P" true NVIDIA_VISIBLE_DEVICES=0 "NVIDIA_REQUIRE_CUDA=cuda>=99.0"
err=$("$NVRUNC" --root "$RUNC_ROOT" run -b "$P" req 2>&1)
check_contains "an unmet cuda>= names the real CUDA version" "$err" "unsatisfied condition \`cuda>=99.0\`"
echo "   $err"
check_contains "info reports the CUDA version from NVML" "$(cat "$SCRATCH/info.txt")" "cuda version:"
grep -E "cuda version|arch" "$SCRATCH/info.txt" | head -3 | sed 's/^/   /'
make_bundle "$P" "ls /usr/lib/x86_64-linux-gnu | grep -E 'nvcuvid|encode|vdpau' | sort" NVIDIA_VISIBLE_DEVICES=0 NVIDIA_DRIVER_CAPABILITIES=video
out=$("$NVRUNC" --root "$RUNC_ROOT" run -b "$P" video 2>&1)
check_contains "video brings the encoder library" "$out" "libnvidia-encode.so"
echo "$out" | sed 's/^/   | /'

echo "== the inventory snapshot holds on a real driver (procfs gives the same bytes twice)"
printf '[nvrunc]\ncache-dir = "%s"\n' "$SCRATCH/nvrunc-cache" >"$SCRATCH/snapshot.toml"
sleep 1.1 # a discovery that saw a change in the last second is not saved
NVRUNC_CONFIG=$SCRATCH/snapshot.toml "$NVRUNC_CTL" doctor --no-container >/dev/null 2>&1
row=$(NVRUNC_CONFIG=$SCRATCH/snapshot.toml "$NVRUNC_CTL" doctor --no-container 2>&1 | grep "inventory snapshot")
echo "   $row"
check_contains "the second doctor used the saved snapshot, which agrees with a fresh discovery" "$row" "(hit)"

echo "== an unknown GPU is refused"
make_bundle "$P" true NVIDIA_VISIBLE_DEVICES=99
err=$("$NVRUNC" --root "$RUNC_ROOT" run -b "$P" bad 2>&1)
check_contains "one clear line" "$err" 'unknown GPU `99`'

finish
