#!/usr/bin/env bash
# nvrunc -> runc, end to end, on a 2-GPU simulated node (issue 2's acceptance checks).
source "$(dirname "$0")/lib.sh"
need_root
need_tool runc
need_tool jq
need_tool busybox
scratch_init
make_node "$SCRATCH/node" 2 || exit 1
NODE=$SCRATCH/node
UUID0=$(uuid_of "$NODE" 0)
UUID1=$(uuid_of "$NODE" 1)

echo "== GPU 1 requested: the container sees exactly that GPU"
B=$SCRATCH/gpu1
make_bundle "$B" '
  ls /dev | grep "^nvidia" | sort | tr "\n" " "; echo
  stat -c "%n %F %t:%T" /dev/nvidia1
  nvrunc-probe open /dev/nvidia1 /dev/nvidia0
  nvidia-smi -L
  nvrunc-probe libs
  ls -l /usr/lib/x86_64-linux-gnu/libcuda.so /usr/lib/x86_64-linux-gnu/libcuda.so.1' NVIDIA_VISIBLE_DEVICES=1
out=$("$NVRUNC" --root "$RUNC_ROOT" run -b "$B" gpu1 2>&1)
rc=$?
echo "$out" | sed 's/^/    | /'
check_eq "container exit status" 0 "$rc"
check_contains "device nodes" "$out" "nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl"
check_not_contains "GPU 0 is not there" "$out" "nvidia0 "
check_contains "/dev/nvidia1 is char 195:1" "$out" "/dev/nvidia1 character special file c3:1"
check_contains "the cgroup allows /dev/nvidia1 (ENXIO, not EPERM)" "$out" "/dev/nvidia1: ENXIO"
check_contains "/dev/nvidia0 does not exist" "$out" "/dev/nvidia0: ENOENT"
check_contains "nvidia-smi -L shows GPU 1" "$out" "GPU 0: NVIDIA A100-SXM4-80GB (UUID: $UUID1)"
check_not_contains "nvidia-smi -L hides GPU 0" "$out" "$UUID0"
check_contains "libnvidia-ml.so.1 loads by SONAME" "$out" "nvml.path=/usr/lib/x86_64-linux-gnu/libnvidia-ml.so"
check_contains "libcuda.so.1 loads by SONAME" "$out" "cuda.path=/usr/lib/x86_64-linux-gnu/libcuda.so"
check_contains "NVML sees one GPU" "$out" "nvml.count=1"
check_contains "NVML reports its minor" "$out" "nvml.gpu0.minor=1"
check_contains "CUDA sees one GPU" "$out" "cuda.count=1"
check_contains "libcuda.so -> libcuda.so.1 link" "$out" "libcuda.so -> libcuda.so.1"
check "config.json has the GPU devices" jq -e '.linux.devices | map(.path) | index("/dev/nvidia1")' "$B/config.json" >/dev/null
check "config.json has the allow rule" jq -e '.linux.resources.devices | map(select(.allow and .major == 195 and .minor == 1)) | length == 1' "$B/config.json" >/dev/null
check "the hook has an explicit env" jq -e '.hooks.createContainer[0].env | length > 0' "$B/config.json" >/dev/null

echo "== idempotent: a second create leaves config.json as the first one wrote it"
cp "$B/config.json" "$SCRATCH/after-first.json"
"$NVRUNC" --root "$RUNC_ROOT" create -b "$B" gpu1-again >/dev/null 2>&1
"$NVRUNC" --root "$RUNC_ROOT" delete -f gpu1-again >/dev/null 2>&1
check "config.json unchanged by the second pass" cmp -s "$SCRATCH/after-first.json" "$B/config.json"

echo "== no request: nothing is injected and config.json is byte for byte unchanged"
B=$SCRATCH/plain
make_bundle "$B" 'ls /dev | grep -c nvidia; ls /usr/lib/x86_64-linux-gnu | wc -l'
cp "$B/config.json" "$SCRATCH/plain.json"
out=$("$NVRUNC" --root "$RUNC_ROOT" run -b "$B" plain 2>&1)
check_eq "container output" "$(printf '0\n0')" "$out"
check "config.json unchanged" cmp -s "$SCRATCH/plain.json" "$B/config.json"
for v in void "" ; do
  make_bundle "$B" true "NVIDIA_VISIBLE_DEVICES=$v"
  cp "$B/config.json" "$SCRATCH/plain.json"
  "$NVRUNC" --root "$RUNC_ROOT" run -b "$B" plain2 >/dev/null 2>&1
  check "NVIDIA_VISIBLE_DEVICES='$v' leaves config.json unchanged" cmp -s "$SCRATCH/plain.json" "$B/config.json"
done
make_bundle "$B" true NVIDIA_VISIBLE_DEVICES=all
jq '.annotations["io.kubernetes.cri.container-type"] = "sandbox"' "$B/config.json" >"$B/c" && mv "$B/c" "$B/config.json"
cp "$B/config.json" "$SCRATCH/plain.json"
"$NVRUNC" --root "$RUNC_ROOT" run -b "$B" sandbox >/dev/null 2>&1
check "a Kubernetes sandbox container is passed through unchanged" cmp -s "$SCRATCH/plain.json" "$B/config.json"

echo "== none: driver files, no GPU"
B=$SCRATCH/none
make_bundle "$B" 'ls /dev | grep "^nvidia" | sort | tr "\n" " "; echo; nvidia-smi -L; echo smi=$?' NVIDIA_VISIBLE_DEVICES=none
out=$("$NVRUNC" --root "$RUNC_ROOT" run -b "$B" none 2>&1)
check_eq "only control nodes" "nvidia-uvm nvidia-uvm-tools nvidiactl " "$(echo "$out" | head -1)"
check_contains "nvidia-smi is there" "$out" "smi="

echo "== other commands pass through and equal runc's"
B=$SCRATCH/life
make_bundle "$B" 'sleep 30' NVIDIA_VISIBLE_DEVICES=0
check "create through nvrunc" "$NVRUNC" --root "$RUNC_ROOT" create -b "$B" life
a=$("$NVRUNC" --root "$RUNC_ROOT" state life | jq -c 'del(.created)')
b=$(runc --root "$RUNC_ROOT" state life | jq -c 'del(.created)')
check_eq "state equals runc's" "$b" "$a"
check_eq "features equals runc's" "$(runc features)" "$("$NVRUNC" features)"
check "start" "$NVRUNC" --root "$RUNC_ROOT" start life
check "kill" "$NVRUNC" --root "$RUNC_ROOT" kill life KILL
sleep 0.5
check "delete" "$NVRUNC" --root "$RUNC_ROOT" delete life
check_eq "the container is gone" "" "$(runc --root "$RUNC_ROOT" list -q | grep -x life)"
"$NVRUNC" --root "$RUNC_ROOT" state no-such-container >"$SCRATCH/o1" 2>"$SCRATCH/e1"; r1=$?
runc --root "$RUNC_ROOT" state no-such-container >"$SCRATCH/o2" 2>"$SCRATCH/e2"; r2=$?
check_eq "a runc error keeps runc's exit status" "$r2" "$r1"
check_eq "and runc's stderr" "$(sed 's/time="[^"]*"//' "$SCRATCH/e2")" "$(sed 's/time="[^"]*"//' "$SCRATCH/e1")"
v=$("$NVRUNC" --version)
check_contains "--version prints nvrunc's line" "$(echo "$v" | head -1)" "nvrunc version"
check_contains "--version then runc's" "$v" "runc version"

finish
