#!/usr/bin/env bash
# Issue 3 end to end with real runc on an 8-GPU simulated node with MIG (`mock-driver --dgx`):
# video, graphics/display, compat32, IPC, firmware, feature nodes, a MIG device (and EPERM for the
# nodes it was not given), NVIDIA_REQUIRE_*, CUDA forward compatibility.
source "$(dirname "$0")/lib.sh"
need_root
need_tool runc
need_tool python3
need_tool busybox
scratch_init
NODE=$SCRATCH/node
"$NVRUNC_CTL" mock-driver --root "$NODE" --dgx >/dev/null 2>"$SCRATCH/node.log" || { cat "$SCRATCH/node.log" >&2; exit 1; }
export NVRUNC_CONFIG=$NODE/config.toml
VER=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["driver_version"])' "$NODE/mock-driver.json")
L=/usr/lib/x86_64-linux-gnu

run_in() { # run_in NAME SCRIPT ENV... : prints the container's output, returns its status
  local name=$1 script=$2; shift 2
  make_bundle "$SCRATCH/$name" "$script" "$@"
  "$NVRUNC" --root "$RUNC_ROOT" run -b "$SCRATCH/$name" "$name" 2>&1
}

echo "== video: the video libraries and the compute set, no DRM node"
out=$(run_in video "ls $L; ls /dev; ls /dev/dri 2>&1" NVIDIA_VISIBLE_DEVICES=0 NVIDIA_DRIVER_CAPABILITIES=video)
check_contains "libnvcuvid" "$out" "libnvcuvid.so.$VER"
check_contains "libnvidia-encode" "$out" "libnvidia-encode.so.$VER"
check_contains "libcuda (video brings compute)" "$out" "libcuda.so.$VER"
check_not_contains "no libnvidia-ml (utility not asked)" "$out" "libnvidia-ml.so.$VER"
check_contains "UVM node" "$out" "nvidia-uvm"
check_contains "no DRM" "$out" "/dev/dri: No such file or directory"

echo "== graphics + display on GPU 2: its DRM nodes, modeset, vendor files, links"
card=$(python3 -c 'import json,sys; g=json.load(open(sys.argv[1]))["gpus"][2]; print(" ".join(n["path"] for n in g.get("dri", [])))' "$NODE/mock-driver.json")
out=$(run_in graphics "ls /dev/dri /dev/dri/by-path; ls /dev | grep modeset; cat /usr/share/glvnd/egl_vendor.d/10_nvidia.json;
  ls /etc/vulkan/icd.d; readlink $L/libGLX_indirect.so.0; ls $L | grep -c nvidia" \
  NVIDIA_VISIBLE_DEVICES=2 NVIDIA_DRIVER_CAPABILITIES=graphics,display)
echo "$out" | sed 's/^/    | /' | head -20
for n in $card; do check_contains "DRM node $(basename "$n") of GPU 2" "$out" "$(basename "$n")"; done
check_eq "exactly GPU 2's two DRM nodes" 2 "$(echo "$out" | grep -Ec '^(card|renderD)[0-9]+$')"
check_contains "by-path link" "$out" "-card"
check_contains "/dev/nvidia-modeset" "$out" "nvidia-modeset"
check_contains "EGL vendor file" "$out" "libEGL_nvidia.so.0"
check_contains "Vulkan ICD" "$out" "nvidia_icd.json"
check_contains "libGLX_indirect.so.0 link" "$out" "libGLX_nvidia.so.$VER"

echo "== a MIG device: GPU 1's node and that device's capabilities only"
mig=$(python3 -c 'import json,sys
g=json.load(open(sys.argv[1]))["gpus"][1]
m=g["mig"][0]
print(m["uuid"], m["gi_cap_minor"], m["ci_cap_minor"])' "$NODE/mock-driver.json")
read -r MIG_UUID GI_CAP CI_CAP <<<"$mig"
make_bundle "$SCRATCH/mig" "ls /dev/nvidia-caps; nvidia-smi -L; nvrunc-probe libs | grep count;
  nvrunc-probe open /dev/nvidia1 /dev/nvidia0 /dev/nvidia-caps/nvidia-cap$GI_CAP /dev/nvidia-caps/nvidia-cap9999" \
  "NVIDIA_VISIBLE_DEVICES=$MIG_UUID"
# Nodes nobody asked for, made by runc but without an allow rule: the cgroup must refuse them.
python3 - "$SCRATCH/mig/config.json" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1]))
spec["linux"].setdefault("devices", []).extend([
    {"path": "/dev/nvidia0", "type": "c", "major": 195, "minor": 0, "fileMode": 438},
    {"path": "/dev/nvidia-caps/nvidia-cap9999", "type": "c", "major": 195, "minor": 250, "fileMode": 438}])
json.dump(spec, open(sys.argv[1], "w"))
PY
out=$("$NVRUNC" --root "$RUNC_ROOT" run -b "$SCRATCH/mig" mig 2>&1)
echo "$out" | sed 's/^/    | /'
check_contains "GI capability node" "$out" "nvidia-cap$GI_CAP"
check_contains "CI capability node" "$out" "nvidia-cap$CI_CAP"
check_contains "nvidia-smi lists the MIG device" "$out" "$MIG_UUID"
check_eq "exactly one MIG device line" 1 "$(echo "$out" | grep -c 'MIG-')"
check_contains "CUDA sees one device (the MIG device)" "$out" "cuda.count=1"
check_contains "GPU 1 allowed (ENXIO)" "$out" "/dev/nvidia1: ENXIO"
check_contains "GPU 0 denied by the cgroup (EPERM)" "$out" "/dev/nvidia0: EPERM"
check_contains "its GI capability allowed" "$out" "/dev/nvidia-caps/nvidia-cap$GI_CAP: ENXIO"
check_contains "an unrequested capability denied" "$out" "/dev/nvidia-caps/nvidia-cap9999: EPERM"

echo "== compat32, IPC, firmware, GDRCopy"
out=$(run_in extras "ls /usr/lib/i386-linux-gnu | grep libcuda; ls -l /run/nvidia-persistenced/socket; ls /lib/firmware/nvidia/$VER;
  nvrunc-probe open /dev/gdrdrv" NVIDIA_VISIBLE_DEVICES=0 NVIDIA_DRIVER_CAPABILITIES=utility,compute,compat32 NVIDIA_GDRCOPY=enabled)
echo "$out" | sed 's/^/    | /'
check_contains "32-bit libcuda" "$out" "libcuda.so.$VER"
check_contains "persistenced socket" "$out" "srw"
check_contains "GSP firmware" "$out" "gsp_"
check_contains "GDRCopy node allowed" "$out" "/dev/gdrdrv: ENXIO"

echo "== NVIDIA_REQUIRE_*"
out=$(run_in req-ok "echo started" NVIDIA_VISIBLE_DEVICES=0 "NVIDIA_REQUIRE_CUDA=cuda>=12.0 brand=grid")
check_eq "a met requirement starts" started "$out"
out=$(run_in req-bad "echo started" NVIDIA_VISIBLE_DEVICES=0 "NVIDIA_REQUIRE_CUDA=cuda>=99.0")
check_contains "an unmet one is refused, naming it" "$out" 'NVIDIA_REQUIRE_CUDA: unsatisfied condition `cuda>=99.0`'
check_contains "with what to do" "$out" "update the driver"
out=$(run_in req-off "echo started" NVIDIA_VISIBLE_DEVICES=0 "NVIDIA_REQUIRE_CUDA=cuda>=99.0" NVIDIA_DISABLE_REQUIRE=true)
check_eq "NVIDIA_DISABLE_REQUIRE=true starts it" started "$out"
out=$(run_in legacy "echo started" CUDA_VERSION=99.1.0)
check_contains "a legacy image's implicit cuda>=" "$out" 'unsatisfied condition `cuda>=99.1`'

echo "== CUDA forward compatibility"
"$NVRUNC_CTL" mock-driver --root "$SCRATCH/newer" --gpus 8 --driver-version 999.1.2 --cuda-version 99.9 >/dev/null 2>&1
make_rootfs "$SCRATCH/fc/rootfs"
mkdir -p "$SCRATCH/fc/rootfs/usr/local/cuda/compat"
cp "$SCRATCH/newer$L/libcuda.so.999.1.2" "$SCRATCH/fc/rootfs/usr/local/cuda/compat/"
out=$(run_in fc "nvrunc-probe libs | grep -E 'cuda.(path|driver)'; head -1 /etc/ld.so.conf.d/00-nvrunc.conf" NVIDIA_VISIBLE_DEVICES=0)
check_contains "the newer compat libcuda is loaded" "$out" "cuda.path=/usr/local/cuda/compat/libcuda.so.999.1.2"
check_contains "its directory comes first" "$out" "/usr/local/cuda/compat"
mkdir -p "$SCRATCH/fc2/rootfs" && cp -a "$SCRATCH/fc/rootfs/." "$SCRATCH/fc2/rootfs/"
rm "$SCRATCH/fc2/rootfs/usr/local/cuda/compat/"*
cp "$NODE$L/libcuda.so.$VER" "$SCRATCH/fc2/rootfs/usr/local/cuda/compat/libcuda.so.${VER%%.*}.0.1"
out=$(run_in fc2 "nvrunc-probe libs | grep cuda.path" NVIDIA_VISIBLE_DEVICES=0)
check_contains "an older-or-same-branch compat libcuda is ignored" "$out" "cuda.path=$L/libcuda.so.$VER"

finish
