#!/usr/bin/env bash
# CDI both ways on an 8-GPU simulated node with MIG (`mock-driver --dgx`), with real runc:
# `nvrunc-ctl cdi generate/list/validate`, and the shim consuming CDI names from
# NVIDIA_VISIBLE_DEVICES, cdi.k8s.io/ annotations and volume mounts; another vendor's spec; stale
# specs (refused, or regenerated in place when configured); requirements and capabilities.
source "$(dirname "$0")/lib.sh"
need_root
need_tool runc
need_tool python3
need_tool busybox
scratch_init
NODE=$SCRATCH/node
"$NVRUNC_CTL" mock-driver --root "$NODE" --dgx >/dev/null 2>"$SCRATCH/node.log" || { cat "$SCRATCH/node.log" >&2; exit 1; }
ETC_CDI=$SCRATCH/etc-cdi RUN_CDI=$SCRATCH/run-cdi
mkdir -p "$ETC_CDI" "$RUN_CDI"
# The node's config plus the spec directories (and, for one case, regeneration of stale specs).
write_config() { # write_config FILE REGENERATE(true|false)
  sed "s|^\[nvrunc\]$|[nvrunc]\ncdi-regenerate-stale-specs = $2|" "$NODE/config.toml" >"$1"
  printf '\n[nvidia-container-runtime.modes.cdi]\nspec-dirs = ["%s", "%s"]\n' "$ETC_CDI" "$RUN_CDI" >>"$1"
}
write_config "$SCRATCH/config.toml" false
write_config "$SCRATCH/config-regen.toml" true
export NVRUNC_CONFIG=$SCRATCH/config.toml
VER=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["driver_version"])' "$NODE/mock-driver.json")
UUID3=$(uuid_of "$NODE" 3)
L=/usr/lib/x86_64-linux-gnu
SPEC=$RUN_CDI/nvidia.yaml

# bundle NAME SCRIPT [ENV...]; then annotate NAME KEY VALUE / mount_devnull NAME DEST
bundle() { local name=$1; shift; make_bundle "$SCRATCH/$name" "$@"; }
annotate() {
  python3 - "$SCRATCH/$1/config.json" "$2" "$3" <<'PY'
import json, sys
p, k, v = sys.argv[1:]
s = json.load(open(p)); s.setdefault("annotations", {})[k] = v
json.dump(s, open(p, "w"), indent="\t")
PY
}
mount_devnull() {
  python3 - "$SCRATCH/$1/config.json" "$2" <<'PY'
import json, sys
p, d = sys.argv[1:]
s = json.load(open(p)); s["mounts"].append({"destination": d, "type": "bind", "source": "/dev/null", "options": ["bind", "ro"]})
json.dump(s, open(p, "w"), indent="\t")
PY
}
run_bundle() { "$NVRUNC" --root "$RUNC_ROOT" run -b "$SCRATCH/$1" "$1" 2>&1; }
gpu_nodes() { echo "$1" | grep -Eo '^nvidia[0-9]+$' | sort | tr '\n' ' '; }

echo "== cdi generate: deterministic, atomic 0644, valid, every GPU and MIG device plus all"
"$NVRUNC_CTL" cdi generate --output "$SPEC" 2>"$SCRATCH/gen.log"
check_eq "generate exit status" 0 "$?"
check_eq "mode 0644" 644 "$(stat -c %a "$SPEC")"
"$NVRUNC_CTL" cdi generate --format yaml >"$SCRATCH/again.yaml" 2>/dev/null
check "same node, same bytes" cmp -s "$SPEC" "$SCRATCH/again.yaml"
"$NVRUNC_CTL" cdi generate --output "$SCRATCH/nvidia.json" 2>/dev/null
check "our validator accepts the YAML" "$NVRUNC_CTL" cdi validate "$SPEC"
check "our validator accepts the JSON" "$NVRUNC_CTL" cdi validate "$SCRATCH/nvidia.json"
python3 - "$SPEC" "$SCRATCH/nvidia.json" <<'PY' && pass "YAML and JSON are the same document" || fail "YAML and JSON differ"
import json, sys, yaml
a = yaml.safe_load(open(sys.argv[1])); b = json.load(open(sys.argv[2]))
sys.exit(0 if a == b else 1)
PY
SCHEMA=${NVRUNC_CDI_SCHEMA:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/reference/cdi-schema}
if [[ -f $SCHEMA/schema.json ]] && python3 -c 'import jsonschema' 2>/dev/null; then
  python3 - "$SCHEMA" "$SCRATCH/nvidia.json" <<'PY' && pass "the CDI project's JSON schema accepts it" || fail "CDI schema rejects the spec"
import json, sys, os, jsonschema
d = sys.argv[1]
schema = json.load(open(os.path.join(d, "schema.json")))
store = {}
for f in os.listdir(d):
    if f.endswith(".json"):
        s = json.load(open(os.path.join(d, f)))
        store["file://" + d + "/" + f] = s
resolver = jsonschema.RefResolver(base_uri="file://" + d + "/", referrer=schema, store=store)
jsonschema.validate(json.load(open(sys.argv[2])), schema, resolver=resolver)
PY
else
  echo "  (no CDI schema at $SCHEMA or no python3-jsonschema: schema check skipped)"
fi
list=$("$NVRUNC_CTL" cdi list 2>&1)
check_contains "list: index names" "$list" "nvidia.com/gpu=0"
check_contains "list: UUID names" "$list" "nvidia.com/gpu=$UUID3"
check_contains "list: MIG index pairs" "$list" "nvidia.com/gpu=1:0"
check_contains "list: all" "$list" "nvidia.com/gpu=all"
check_contains "recorded driver version" "$(grep driver-version "$SPEC")" "$VER"

echo "== NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=3: exactly GPU 3, its libraries, the hook's ld cache"
bundle env "ls /dev; ls $L; nvrunc-probe libs; head -c1 /dev/nvidia2 2>&1" \
  NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=3
out=$(run_bundle env)
check_eq "GPU nodes" "nvidia3 " "$(gpu_nodes "$out")"
check_contains "control node" "$out" "nvidiactl"
check_contains "libcuda mounted" "$out" "libcuda.so.$VER"
check_contains "libcuda.so.1 loads by SONAME (the hook's ld cache)" "$out" "cuda.path=$L/libcuda.so"
check_contains "CUDA sees one GPU" "$out" "cuda.count=1"
check_contains "no node for GPU 2" "$out" "/dev/nvidia2: No such file or directory"

echo "== a UUID name, and an unqualified id in a list with CDI names (default kind)"
bundle mixed "ls /dev" "NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=$UUID3,5"
out=$(run_bundle mixed)
check_eq "GPU nodes" "nvidia3 nvidia5 " "$(gpu_nodes "$out")"

echo "== cdi.k8s.io/ annotation (the device plugin's CDI annotations), env ignored"
bundle annotated "ls /dev" NVIDIA_VISIBLE_DEVICES=all
annotate annotated cdi.k8s.io/nvidia-device-plugin_uid "nvidia.com/gpu=6,nvidia.com/gpu=7"
out=$(run_bundle annotated)
check_eq "GPU nodes" "nvidia6 nvidia7 " "$(gpu_nodes "$out")"

echo "== volume mounts: cdi/<vendor>/<class>/<name> and cdi/<vendor>/<class>=<name>"
sed 's|^\[nvrunc\]$|accept-nvidia-visible-devices-as-volume-mounts = true\n[nvrunc]|' "$SCRATCH/config.toml" >"$SCRATCH/config-vm.toml"
python3 - "$SCRATCH/config-vm.toml" <<'PY'
# top-level keys must come before the first table
import sys
p = sys.argv[1]; lines = open(p).read().split("\n")
key = "accept-nvidia-visible-devices-as-volume-mounts = true"
lines = [l for l in lines if l != key]
open(p, "w").write(key + "\n" + "\n".join(lines))
PY
bundle volumes "ls /dev"
mount_devnull volumes /var/run/nvidia-container-devices/cdi/nvidia.com/gpu/2
mount_devnull volumes /var/run/nvidia-container-devices/cdi/nvidia.com/gpu=4
out=$(NVRUNC_CONFIG=$SCRATCH/config-vm.toml run_bundle volumes)
check_eq "GPU nodes" "nvidia2 nvidia4 " "$(gpu_nodes "$out")"

echo "== a MIG device by CDI name: its parent GPU and its caps nodes"
bundle mig "ls /dev /dev/nvidia-caps" NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=1:0
out=$(run_bundle mig)
check_eq "parent GPU node" "nvidia1 " "$(gpu_nodes "$out")"
check_contains "a MIG caps node" "$out" "nvidia-cap"

echo "== errors: unknown name lists what exists; bad annotation value; bundle untouched"
bundle unknown "true" NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=42
before=$(sha256sum "$SCRATCH/unknown/config.json")
out=$(run_bundle unknown)
check_contains "unknown device named" "$out" "nvidia.com/gpu=42"
check_contains "available names listed" "$out" "available: "
check_eq "config.json untouched" "$before" "$(sha256sum "$SCRATCH/unknown/config.json")"
bundle badannot "true"
annotate badannot cdi.k8s.io/x "gpu0"
out=$(run_bundle badannot)
check_contains "annotation value must be qualified" "$out" "is not a fully-qualified CDI device name"

echo "== NVIDIA_REQUIRE_* is honoured for CDI devices"
bundle req "true" NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=0 "NVIDIA_REQUIRE_DRIVER=driver>=999"
out=$(run_bundle req)
check_contains "unmet requirement" "$out" "driver>=999"
bundle req-ok "ls /dev" NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=0 "NVIDIA_REQUIRE_DRIVER=driver>=100"
out=$(run_bundle req-ok)
check_eq "met requirement: GPU 0" "nvidia0 " "$(gpu_nodes "$out")"

echo "== capabilities the spec was not made with are refused"
"$NVRUNC_CTL" cdi generate --driver-capabilities utility,compute --output "$SPEC" 2>/dev/null
bundle caps "true" NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=0 NVIDIA_DRIVER_CAPABILITIES=graphics
out=$(run_bundle caps)
check_contains "refused with the fix" "$out" "regenerate it with --driver-capabilities all"

echo "== another vendor's spec (and a later directory overriding an earlier one)"
mknod "$SCRATCH/kfd" c 1 3 2>/dev/null
mkdir -p "$SCRATCH/amd"; echo "amd firmware" >"$SCRATCH/amd/fw.bin"
cat >"$ETC_CDI/amd.yaml" <<YAML
cdiVersion: "0.5.0"
kind: amd.com/gpu
devices:
- name: "0"
  containerEdits:
    deviceNodes:
    - path: /dev/wrong
      hostPath: $SCRATCH/kfd
YAML
cat >"$RUN_CDI/amd.json" <<JSON
{"cdiVersion": "0.5.0", "kind": "amd.com/gpu",
 "devices": [{"name": "0", "containerEdits": {"deviceNodes": [{"path": "/dev/kfd", "hostPath": "$SCRATCH/kfd"}]}}],
 "containerEdits": {"env": ["AMD_VISIBLE=0"],
   "mounts": [{"hostPath": "$SCRATCH/amd", "containerPath": "/opt/amd", "options": ["ro", "bind"]}],
   "hooks": [{"hookName": "createContainer", "path": "/bin/true"}]}}
JSON
bundle amd 'ls /dev; cat /opt/amd/fw.bin; echo "env=$AMD_VISIBLE"' NVIDIA_VISIBLE_DEVICES=amd.com/gpu=0
out=$(run_bundle amd)
check_contains "the AMD node" "$out" "kfd"
check_not_contains "the overridden definition" "$out" "wrong"
check_contains "its mount" "$out" "amd firmware"
check_contains "its env" "$out" "env=0"
check_eq "no NVIDIA GPU" "" "$(gpu_nodes "$out")"
check_eq "its hook, with an explicit env (never the runtime's)" "/bin/true PATH=/usr/sbin:/usr/bin:/sbin:/bin" \
  "$(python3 -c 'import json,sys; h=json.load(open(sys.argv[1]))["hooks"]["createContainer"][0]; print(h["path"], *h["env"])' "$SCRATCH/amd/config.json")"
rm -rf "$SCRATCH/amd"
bundle amd-stale "true" NVIDIA_VISIBLE_DEVICES=amd.com/gpu=0
out=$(run_bundle amd-stale)
check_contains "a vanished mount source makes any spec stale" "$out" "does not exist on this node: the spec is stale"

echo "== a stale nvrunc spec: refused; regenerated in place when configured"
"$NVRUNC_CTL" cdi generate --output "$SPEC" 2>/dev/null
sed -i "/driver-version/s|$VER|470.1.2|" "$SPEC"
check_contains "the spec now claims driver 470.1.2" "$(grep driver-version "$SPEC")" "470.1.2"
bundle stale "ls /dev" NVIDIA_VISIBLE_DEVICES=nvidia.com/gpu=0
before=$(sha256sum "$SCRATCH/stale/config.json")
out=$(run_bundle stale)
check_contains "names both versions" "$out" "was generated for driver 470.1.2 but this node has driver $VER"
check_contains "says how to fix it" "$out" "nvrunc-ctl cdi generate --output $SPEC"
check_eq "config.json untouched" "$before" "$(sha256sum "$SCRATCH/stale/config.json")"
out=$(NVRUNC_CONFIG=$SCRATCH/config-regen.toml run_bundle stale)
check_eq "regenerated: the container runs with GPU 0" "nvidia0 " "$(gpu_nodes "$out")"
check_contains "the spec now records the host driver" "$(grep driver-version "$SPEC")" "$VER"

echo "== podman reads our spec itself: podman run --device <kind>=3 (cdiVersion 0.5.0 for podman 4.3)"
if command -v podman >/dev/null 2>&1; then
  # podman 4.3 reads only /etc/cdi and /var/run/cdi: a kind of our own, so no real spec is touched.
  PODMAN_SPEC=/var/run/cdi/nvrunc-it-$$.yaml
  trap 'rm -f "$PODMAN_SPEC"; scratch_cleanup' EXIT
  mkdir -p /var/run/cdi
  "$NVRUNC_CTL" cdi generate --vendor nvrunc-it.example.com --no-annotations --output "$PODMAN_SPEC" 2>/dev/null
  check_contains "cdiVersion 0.5.0 without annotations" "$(cat "$PODMAN_SPEC")" 'cdiVersion: "0.5.0"'
  make_rootfs "$SCRATCH/podman-rootfs"
  out=$(timeout 180 podman --runtime runc run --rm --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
    --device nvrunc-it.example.com/gpu=3 --rootfs "$SCRATCH/podman-rootfs" \
    sh -c 'ls /dev; nvrunc-probe libs; nvidia-smi -L' 2>&1)
  echo "$out" | grep -E "nvidia|count" | sed 's/^/    | /'
  check_eq "podman: exactly GPU 3" "nvidia3 " "$(gpu_nodes "$out")"
  check_contains "podman: libcuda.so.1 by SONAME (the spec's hook ran)" "$out" "cuda.count=1"
  check_contains "podman: nvidia-smi -L shows GPU 3" "$out" "$UUID3"
  rm -f "$PODMAN_SPEC"
else
  echo "  (no podman: interop check skipped)"
fi

finish
