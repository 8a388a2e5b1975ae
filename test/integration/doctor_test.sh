#!/usr/bin/env bash
# nvrunc-ctl doctor on a 2-GPU simulated node: ready when everything is in place (the test container
# really runs through nvrunc and runc), and a failing row with its fix for each thing broken.
source "$(dirname "$0")/lib.sh"
need_root
need_tool runc
need_tool busybox
scratch_init
make_node "$SCRATCH/node" 2 || exit 1
NODE=$SCRATCH/node
UUID0=$(uuid_of "$NODE" 0)
CONFIG=$SCRATCH/containerd.toml
"$NVRUNC_CTL" runtime configure --runtime containerd --config "$CONFIG" --binary "$NVRUNC" >/dev/null 2>&1 ||
  fail "runtime configure for the doctor's containerd config"

doctor() { "$NVRUNC_CTL" doctor --binary "$NVRUNC" --engine containerd --containerd-config "$CONFIG" "$@" 2>&1; }
# row OUTPUT CHECK: the status column of a check's row
row() { awk -v c="$2" 'index($0, "  " c "  ") == 1 { sub("^  " c " *", ""); print $1; exit }' <<<"$1"; }

echo "== a configured simulated node is ready"
out=$(doctor)
rc=$?
echo "$out" | sed 's/^/    | /'
check_eq "exit status" 0 "$rc"
check_eq "configuration" pass "$(row "$out" configuration)"
check_eq "driver" pass "$(row "$out" driver)"
check_eq "device nodes" pass "$(row "$out" "device nodes")"
check_eq "inventory snapshot" pass "$(row "$out" "inventory snapshot")"
check_eq "low-level runtime" pass "$(row "$out" "low-level runtime")"
check_eq "containerd handler" pass "$(row "$out" containerd)"
check_eq "test container" pass "$(row "$out" "test container")"
check_contains "the container listed GPU 0" "$out" "nvidia-smi listed $UUID0"
check_eq "the node has no /dev/char links yet: warning" warn "$(row "$out" "/dev/char links")"
check_contains "with the fix" "$out" "fix: nvrunc-ctl doctor --fix"
check_eq "env requests from unprivileged containers: warning" warn "$(row "$out" "request policy")"
check_contains "ready" "$out" "node ready: yes"

echo "== the inventory snapshot is saved once the node is a second old, then used, and agrees with discovery"
sleep 1.1
doctor --no-container >/dev/null
out=$(doctor --no-container)
check_contains "the second doctor used the saved snapshot" "$out" "$NODE/nvrunc-cache/inventory-"
check_contains "(hit)" "$out" ".bin (hit)"
make_bundle "$SCRATCH/snap" true NVIDIA_VISIBLE_DEVICES=0
"$NVRUNC" --debug --log "$SCRATCH/snap.log" --root "$SCRATCH/runc-root" create --bundle "$SCRATCH/snap" snap >/dev/null 2>&1
runc --root "$SCRATCH/runc-root" delete -f snap >/dev/null 2>&1
check_contains "a create through nvrunc used it too" "$(cat "$SCRATCH/snap.log")" \
  "inventory snapshot: hit $NODE/nvrunc-cache/inventory-"
chmod 0777 "$NODE/nvrunc-cache"
out=$(doctor --no-container)
check_eq "a cache directory others can write: warning" warn "$(row "$out" "inventory snapshot")"
check_contains "saying why" "$out" "not used: \`$NODE/nvrunc-cache\` can be written by others"
chmod 0700 "$NODE/nvrunc-cache"

echo "== --fix creates the /dev/char links as udev would"
out=$(doctor --fix --no-container)
check_contains "links created" "$out" "$NODE/dev/char/195:0 -> ../nvidia0"
check_eq "195:1 -> ../nvidia1" ../nvidia1 "$(readlink "$NODE/dev/char/195:1")"
check_eq "195:255 -> ../nvidiactl" ../nvidiactl "$(readlink "$NODE/dev/char/195:255")"
out=$(doctor --no-container)
check_eq "then the row passes" pass "$(row "$out" "/dev/char links")"
check_eq "--no-container skips the container" skip "$(row "$out" "test container")"

echo "== --json"
out=$("$NVRUNC_CTL" doctor --binary "$NVRUNC" --engine containerd --containerd-config "$CONFIG" --no-container --json 2>/dev/null)
json_ok() { jq -e "$1" <<<"$2" >/dev/null; }
check "ready is true" json_ok '.ready == true' "$out"
check "every check has a status" json_ok '[.checks[].status] | all(. == "pass" or . == "warn" or . == "skip")' "$out"
check "and a fix for each warning" json_ok '[.checks[] | select(.status == "warn") | .fix != ""] | all' "$out"

echo "== engine rows that fail, each with its fix"
: >"$SCRATCH/empty.toml"
out=$(doctor --no-container --containerd-config "$SCRATCH/empty.toml")
rc=$?
check_eq "no handler: exit status 1" 1 "$rc"
check_eq "no handler: containerd fails" FAIL "$(row "$out" containerd)"
check_contains "no handler: the fix is runtime configure" "$out" \
  "fix: nvrunc-ctl runtime configure --runtime containerd --config $SCRATCH/empty.toml"
check_contains "not ready" "$out" "node ready: no"
"$NVRUNC_CTL" runtime configure --runtime containerd --config "$SCRATCH/gone.toml" --binary /nonexistent/nvrunc \
  >/dev/null 2>&1
out=$(doctor --no-container --containerd-config "$SCRATCH/gone.toml")
check_eq "a handler running a missing binary fails" FAIL "$(row "$out" containerd)"
check_contains "and says so" "$out" "runs /nonexistent/nvrunc"
printf 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n' >"$SCRATCH/disabled.toml"
out=$(doctor --no-container --containerd-config "$SCRATCH/disabled.toml")
check_eq "CRI plugin disabled fails" FAIL "$(row "$out" containerd)"
check_contains "and says so" "$out" "the CRI plugin is disabled"

echo "== node rows that fail"
base=$(cat "$NODE/config.toml")
printf '%s\n[nvidia-container-runtime]\nruntimes = ["/nonexistent/runc"]\n' "$base" >"$SCRATCH/no-runc.toml"
out=$(NVRUNC_CONFIG=$SCRATCH/no-runc.toml doctor)
rc=$?
check_eq "no low-level runtime: exit status 1" 1 "$rc"
check_eq "no low-level runtime fails" FAIL "$(row "$out" "low-level runtime")"
check_contains "with a fix" "$out" "fix: apt install runc"
mkdir -p "$SCRATCH/no-driver-proc"
sed "s|^proc-root = .*|proc-root = \"$SCRATCH/no-driver-proc\"|" "$NODE/config.toml" >"$SCRATCH/no-driver.toml"
out=$(NVRUNC_CONFIG=$SCRATCH/no-driver.toml doctor)
check_eq "no driver fails" FAIL "$(row "$out" driver)"
check_contains "with a fix" "$out" "fix: install the NVIDIA driver"
check_eq "no driver: the container is skipped" skip "$(row "$out" "test container")"
printf '%s\nhook-path = "/nonexistent/nvrunc-hook"\n' "$base" >"$SCRATCH/no-hook.toml"
out=$(NVRUNC_CONFIG=$SCRATCH/no-hook.toml doctor)
check_eq "a missing hook fails the binaries row" FAIL "$(row "$out" "nvrunc binaries")"
check_eq "and the test container" FAIL "$(row "$out" "test container")"
check_contains "which keeps its bundle for explain" "$out" "fix: nvrunc-ctl explain --bundle /tmp/nvrunc-doctor-"
kept=$(grep -o '/tmp/nvrunc-doctor-[A-Za-z0-9]*/bundle' <<<"$out" | head -1)
[[ -n $kept ]] && rm -rf "$(dirname "$kept")"
printf '%s\naccept-nvidia-visible-devices-envvar-when-unprivileged = false\naccept-nvidia-visible-devices-as-volume-mounts = true\n' \
  "$(sed -n '/^\[nvrunc\]/,$!p' "$NODE/config.toml")" >"$SCRATCH/policy.toml"
sed -n '/^\[nvrunc\]/,$p' "$NODE/config.toml" >>"$SCRATCH/policy.toml"
out=$(NVRUNC_CONFIG=$SCRATCH/policy.toml doctor --no-container)
check_eq "the cluster policy passes" pass "$(row "$out" "request policy")"
echo "== CDI specs: fresh from nvrunc-ctl cdi generate, stale after a driver change"
mkdir -p "$SCRATCH/cdi"
printf '%s\n[nvidia-container-runtime.modes.cdi]\nspec-dirs = ["%s"]\n' "$base" "$SCRATCH/cdi" >"$SCRATCH/cdi.toml"
out=$(NVRUNC_CONFIG=$SCRATCH/cdi.toml doctor --no-container)
check_eq "no spec: pass" pass "$(row "$out" "CDI specs")"
check_contains "and says how to make one" "$out" "nvrunc-ctl cdi generate"
NVRUNC_CONFIG=$SCRATCH/cdi.toml "$NVRUNC_CTL" cdi generate -o "$SCRATCH/cdi/nvidia.yaml" >/dev/null 2>&1 ||
  fail "nvrunc-ctl cdi generate"
driver=$(cat "$NODE/proc/driver/nvidia/version" | grep -o '[0-9]\+\.[0-9]\+\.[0-9]\+' | head -1)
out=$(NVRUNC_CONFIG=$SCRATCH/cdi.toml doctor --no-container)
check_eq "a generated spec: pass" pass "$(row "$out" "CDI specs")"
check_contains "it matches the node" "$out" "match this node: $SCRATCH/cdi/nvidia.yaml (nvidia.com/gpu)"
sed "s/$driver/535.1.1/g" "$SCRATCH/cdi/nvidia.yaml" >"$SCRATCH/cdi/old.yaml"
out=$(NVRUNC_CONFIG=$SCRATCH/cdi.toml doctor --no-container)
rc=$?
check_eq "a spec of another driver: warning" warn "$(row "$out" "CDI specs")"
check_contains "names it and both drivers" "$out" "$SCRATCH/cdi/old.yaml: generated for driver 535.1.1, this node has driver $driver"
check_contains "with the fix" "$out" "fix: nvrunc-ctl cdi generate -o $SCRATCH/cdi/old.yaml (after each driver change)"
check_contains "the two files' devices conflict" "$out" "$SCRATCH/cdi/old.yaml: 5 devices also defined by another file of its directory, so unusable"
rm -f "$SCRATCH/cdi/old.yaml"
cat >"$SCRATCH/cdi/other.yaml" <<YAML
cdiVersion: "0.5.0"
kind: example.com/accel
devices:
- name: "0"
  containerEdits:
    mounts:
    - {hostPath: $SCRATCH/gone, containerPath: /opt/x}
YAML
out=$(NVRUNC_CONFIG=$SCRATCH/cdi.toml doctor --no-container)
check_eq "another vendor's spec with a missing file: warning" warn "$(row "$out" "CDI specs")"
check_contains "names the missing file" "$out" "$SCRATCH/cdi/other.yaml: device 0: mount source \`$SCRATCH/gone\` is gone"
check_contains "its fix" "$out" "regenerate or remove $SCRATCH/cdi/other.yaml"
rm -f "$SCRATCH/cdi/other.yaml"
check_eq "a warning leaves the node ready" 0 "$rc"
printf '[nvrunc\n' >"$SCRATCH/broken.toml"
out=$(NVRUNC_CONFIG=$SCRATCH/broken.toml doctor)
rc=$?
check_eq "a broken config: exit status 1" 1 "$rc"
check_eq "a broken config fails" FAIL "$(row "$out" configuration)"

finish
