#!/usr/bin/env bash
# A real containerd (Debian's 1.6), configured by `nvrunc-ctl runtime configure`, runs containers
# through nvrunc on a 2-GPU simulated node.
#
# containerd gets a root, state directory, socket and config of its own (written by runtime
# configure, which checks it with `containerd config dump`), and NVRUNC_CONFIG in its environment:
# the runc shim passes its environment on to BinaryName, which is how a node-wide setting reaches
# nvrunc. No image is pulled: `ctr run --rootfs DIR --runc-binary nvrunc` sets the runc shim's
# BinaryName exactly as the CRI handler's options.BinaryName does, on a busybox + glibc rootfs.
source "$(dirname "$0")/lib.sh"
need_root
need_tool containerd
need_tool ctr
need_tool runc
need_tool busybox
scratch_init
make_node "$SCRATCH/node" 2 || exit 1
NODE=$SCRATCH/node
UUID0=$(uuid_of "$NODE" 0)
UUID1=$(uuid_of "$NODE" 1)
CTD=$SCRATCH/containerd
SOCK=$CTD/containerd.sock
CONFIG=$CTD/config.toml
NS=nvrunc-it
IMAGE=docker.io/library/nvrunc-it:1
CRI_API=${NVRUNC_CRI_API:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/reference/cri-api}
CTD_PID=
mkdir -p "$CTD"

stop_containerd() {
  if [[ -n $CTD_PID ]]; then
    # Tasks first: shims outlive containerd, and CRI pods live in the k8s.io namespace.
    local ns id
    for ns in "$NS" k8s.io; do
      for id in $(ctr --address "$SOCK" -n "$ns" tasks ls -q 2>/dev/null); do
        ctr --address "$SOCK" -n "$ns" tasks kill -s SIGKILL "$id" >/dev/null 2>&1
        sleep 0.2
        ctr --address "$SOCK" -n "$ns" tasks rm -f "$id" >/dev/null 2>&1
      done
      for id in $(ctr --address "$SOCK" -n "$ns" containers ls -q 2>/dev/null); do
        ctr --address "$SOCK" -n "$ns" containers rm "$id" >/dev/null 2>&1
      done
    done
    kill "$CTD_PID" 2>/dev/null
    wait "$CTD_PID" 2>/dev/null
    CTD_PID=
  fi
  scratch_cleanup
}
trap stop_containerd EXIT

# The CRI plugin stays on (runtime configure refuses a config whose CRI plugin is disabled, so the
# handler cannot silently go nowhere); restrict_oom_score_adj because this machine refuses negative
# OOM scores.
cat >"$CONFIG" <<EOF
# containerd for nvrunc's integration test
version = 2
root = "$CTD/root"
state = "$CTD/state"

[grpc]
  address = "$SOCK"

[plugins."io.containerd.grpc.v1.cri"]
  restrict_oom_score_adj = true
  sandbox_image = "$IMAGE"
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "native"
  [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
EOF

echo "== runtime configure adds the handler and containerd config dump confirms it"
cp "$CONFIG" "$SCRATCH/config.orig"
out=$("$NVRUNC_CTL" runtime configure --runtime containerd --config "$CONFIG" --binary "$NVRUNC" 2>&1)
rc=$?
echo "$out" | sed 's/^/    | /'
check_eq "runtime configure exit status" 0 "$rc"
check_contains "verified by containerd itself" "$out" "verified with \`$(command -v containerd) --config $CONFIG config dump\`"
check_contains "the backup of the original" "$out" "the original is kept as \`$CONFIG.nvrunc.bak\`"
check "the backup is the original" cmp -s "$SCRATCH/config.orig" "$CONFIG.nvrunc.bak"
check "the comment survives" grep -q '^# containerd for nvrunc' "$CONFIG"
dump=$(containerd --config "$CONFIG" config dump 2>/dev/null)
check_contains "dump: BinaryName" "$dump" "BinaryName = \"$NVRUNC\""
check_contains "dump: CDI annotations reach config.json" "$dump" 'container_annotations = ["cdi.k8s.io/*"]'
check_contains "dump: restrict_oom_score_adj kept" "$dump" "restrict_oom_score_adj = true"
cp "$CONFIG" "$SCRATCH/config.first"
out=$("$NVRUNC_CTL" runtime configure --runtime containerd --config "$CONFIG" --binary "$NVRUNC" 2>&1)
check_contains "a second run says there is nothing to do" "$out" "nothing to do"
check "a second run leaves the file byte for byte" cmp -s "$SCRATCH/config.first" "$CONFIG"

echo "== --dry-run prints the result and writes nothing"
cp "$SCRATCH/config.orig" "$SCRATCH/dry.toml"
out=$("$NVRUNC_CTL" runtime configure --runtime containerd --config "$SCRATCH/dry.toml" --binary "$NVRUNC" --dry-run 2>/dev/null)
rc=$?
check_eq "dry run exit status" 0 "$rc"
check_eq "stdout is the file a real run writes" "$(cat "$CONFIG")" "$out"
check "the file is untouched" cmp -s "$SCRATCH/config.orig" "$SCRATCH/dry.toml"
check "no backup is made" test ! -e "$SCRATCH/dry.toml.nvrunc.bak"

echo "== a drop-in: the main file imports it and containerd sees the handler and the main file's settings"
cp "$SCRATCH/config.orig" "$SCRATCH/main.toml"
out=$("$NVRUNC_CTL" runtime configure --runtime containerd --config "$SCRATCH/main.toml" \
  --drop-in "$SCRATCH/conf.d/99-nvrunc.toml" --binary "$NVRUNC" --set-as-default 2>&1)
rc=$?
echo "$out" | sed 's/^/    | /'
check_eq "exit status" 0 "$rc"
check_contains "verified as the default runtime" "$out" "handler \`nvidia\` runs \`$NVRUNC\` and is the default runtime"
check "the main file gained an imports line" grep -q "^imports = \[\"$SCRATCH/conf.d/99-nvrunc.toml\"\]" "$SCRATCH/main.toml"
dump=$(containerd --config "$SCRATCH/main.toml" config dump 2>/dev/null)
check_contains "dump: default_runtime_name" "$dump" 'default_runtime_name = "nvidia"'
check_contains "dump: the main file's sandbox_image survives the import" "$dump" "sandbox_image = \"$IMAGE\""
out=$("$NVRUNC_CTL" runtime configure --runtime containerd --config "$SCRATCH/main.toml" \
  --drop-in "$SCRATCH/conf.d/99-nvrunc.toml" --binary "$NVRUNC" --set-as-default 2>&1)
check_contains "a second run: nothing to do" "$out" "nothing to do"

echo "== a file that does not parse is refused and left untouched"
printf 'version = 2\n[plugins."io.containerd.grpc.v1.cri"\n' >"$SCRATCH/broken.toml"
cp "$SCRATCH/broken.toml" "$SCRATCH/broken.orig"
out=$("$NVRUNC_CTL" runtime configure --runtime containerd --config "$SCRATCH/broken.toml" --binary "$NVRUNC" 2>&1)
rc=$?
echo "$out" | sed 's/^/    | /'
check_eq "exit status 1" 1 "$rc"
check_contains "it names the file and line" "$out" "parse \`$SCRATCH/broken.toml\`: "
check_contains "with the position" "$out" "(line 2, column "
check_contains "and says nothing was written" "$out" "nothing was written"
check "the file is untouched" cmp -s "$SCRATCH/broken.orig" "$SCRATCH/broken.toml"
check "no backup is made" test ! -e "$SCRATCH/broken.toml.nvrunc.bak"

echo "== start containerd with NVRUNC_CONFIG in its environment"
NVRUNC_CONFIG=$NODE/config.toml containerd --config "$CONFIG" >"$CTD/containerd.log" 2>&1 &
CTD_PID=$!
for _ in $(seq 100); do
  ctr --address "$SOCK" version >/dev/null 2>&1 && break
  sleep 0.1
done
ctr_answers() { ctr --address "$SOCK" version >/dev/null 2>&1; }
check "containerd answers on its socket" ctr_answers
check_contains "containerd has NVRUNC_CONFIG" "$(tr '\0' '\n' <"/proc/$CTD_PID/environ")" "NVRUNC_CONFIG=$NODE/config.toml"
# ctr's spec for a bare rootfs has no PATH.
CPATH=PATH=/usr/local/bin:/usr/bin:/bin
ctr_run() { # ctr_run ROOTFS ID [ctr run flags...] -- CMD...
  local rootfs=$1 id=$2; shift 2
  local flags=()
  while [[ $# -gt 0 && $1 != -- ]]; do flags+=("$1"); shift; done
  shift
  ctr --address "$SOCK" -n "$NS" run --rm --runc-root "$CTD/runc" --env "$CPATH" "${flags[@]}" --rootfs "$rootfs" "$id" "$@"
}

echo "== GPU 1 requested: the container sees exactly that GPU"
make_rootfs "$SCRATCH/rootfs-gpu"
out=$(ctr_run "$SCRATCH/rootfs-gpu" gpu1 --runc-binary "$NVRUNC" --env NVIDIA_VISIBLE_DEVICES=1 -- \
  sh -c 'ls /dev | grep "^nvidia" | sort | tr "\n" " "; echo; nvidia-smi -L' 2>&1)
rc=$?
echo "$out" | sed 's/^/    | /'
check_eq "container exit status" 0 "$rc"
check_contains "device nodes" "$out" "nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl"
check_contains "nvidia-smi -L lists GPU 1" "$out" "(UUID: $UUID1)"
check_not_contains "nvidia-smi -L hides GPU 0" "$out" "$UUID0"

echo "== the shim hands containerd's environment to nvrunc"
make_rootfs "$SCRATCH/rootfs-sleep"
ctr --address "$SOCK" -n "$NS" run -d --runc-root "$CTD/runc" --runc-binary "$NVRUNC" --env "$CPATH" --rootfs "$SCRATCH/rootfs-sleep" \
  sleeper sleep 30 >/dev/null 2>&1
task_pid=$(ctr --address "$SOCK" -n "$NS" tasks ls 2>/dev/null | awk '$1 == "sleeper" {print $2}')
shim_pid=$(ps -o ppid= -p "${task_pid:-0}" 2>/dev/null | tr -d ' ')
check_contains "the shim (BinaryName's parent) has NVRUNC_CONFIG" \
  "$(tr '\0' '\n' <"/proc/${shim_pid:-0}/environ" 2>/dev/null)" "NVRUNC_CONFIG=$NODE/config.toml"
check_contains "the shim runs nvrunc as runc" "$(cat "$CTD/state/io.containerd.runtime.v2.task/$NS/sleeper/runtime" 2>/dev/null)" "$NVRUNC"
ctr --address "$SOCK" -n "$NS" tasks kill -s SIGKILL sleeper >/dev/null 2>&1
for _ in $(seq 50); do
  ctr --address "$SOCK" -n "$NS" tasks rm sleeper >/dev/null 2>&1 && break
  sleep 0.1
done
ctr --address "$SOCK" -n "$NS" containers rm sleeper >/dev/null 2>&1

echo "== an unknown GPU: nvrunc's one-line error is containerd's error"
make_rootfs "$SCRATCH/rootfs-bad"
out=$(ctr_run "$SCRATCH/rootfs-bad" bad7 --runc-binary "$NVRUNC" --env NVIDIA_VISIBLE_DEVICES=7 -- true 2>&1)
rc=$?
echo "$out" | sed 's/^/    | /'
check "ctr run fails" test "$rc" -ne 0
check_contains "OCI runtime create failed with nvrunc's message" "$out" "OCI runtime create failed: nvrunc: "
check_contains "the message names the GPU" "$out" 'unknown GPU `7`'
check_not_contains "containerd could read runc's --log file" "$out" "unable to retrieve OCI runtime error"
ctr --address "$SOCK" -n "$NS" containers rm bad7 >/dev/null 2>&1

echo "== no request: the container runs as with plain runc"
script='ls /dev | sort | tr "\n" " "; echo; grep -c . /proc/self/mounts; ls /usr/lib/x86_64-linux-gnu | wc -l'
make_rootfs "$SCRATCH/rootfs-plain-nvrunc"
make_rootfs "$SCRATCH/rootfs-plain-runc"
with_nvrunc=$(ctr_run "$SCRATCH/rootfs-plain-nvrunc" plain-nvrunc --runc-binary "$NVRUNC" -- sh -c "$script" 2>&1)
rc=$?
with_runc=$(ctr_run "$SCRATCH/rootfs-plain-runc" plain-runc -- sh -c "$script" 2>&1)
echo "$with_nvrunc" | sed 's/^/    | /'
check_eq "container exit status" 0 "$rc"
check_eq "same /dev, mounts and libraries as under runc" "$with_runc" "$with_nvrunc"
check_not_contains "no NVIDIA node" "$with_nvrunc" "nvidia"

echo "== kubelet's way: a pod with runtime handler \`nvidia\` through the CRI"
if [[ ! -f $CRI_API/api.proto ]] || ! /usr/bin/python3 -c 'import grpc, grpc_tools' 2>/dev/null; then
  echo "  skipped: needs $CRI_API/api.proto and python3-grpcio + python3-grpc-tools"
else
  # A local image (busybox + glibc, `sleep 3600` as its command: the pod's sandbox image too), as an
  # OCI layout archive, imported: nothing is pulled.
  make_rootfs "$SCRATCH/image-rootfs"
  /usr/bin/python3 - "$SCRATCH/image-rootfs" "$SCRATCH/image.tar" "$IMAGE" <<'PY'
import hashlib, io, json, sys, tarfile
rootfs, out, ref = sys.argv[1:4]
def blob(data):
    return "sha256:" + hashlib.sha256(data).hexdigest(), data
layer_buf = io.BytesIO()
with tarfile.open(fileobj=layer_buf, mode="w", format=tarfile.PAX_FORMAT) as t:
    t.add(rootfs, arcname=".")
layer_digest, layer = blob(layer_buf.getvalue())
config_digest, config = blob(json.dumps({
    "architecture": "amd64", "os": "linux",
    "config": {"Env": ["PATH=/usr/local/bin:/usr/bin:/bin"], "Cmd": ["sleep", "3600"]},
    "rootfs": {"type": "layers", "diff_ids": [layer_digest]}}).encode())
manifest_digest, manifest = blob(json.dumps({
    "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": config_digest, "size": len(config)},
    "layers": [{"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": layer_digest, "size": len(layer)}]}).encode())
index = json.dumps({"schemaVersion": 2, "manifests": [{
    "mediaType": "application/vnd.oci.image.manifest.v1+json", "digest": manifest_digest, "size": len(manifest),
    "annotations": {"io.containerd.image.name": ref, "org.opencontainers.image.ref.name": ref.rsplit(":", 1)[1]}}]}).encode()
with tarfile.open(out, "w") as t:
    for name, data in [("oci-layout", b'{"imageLayoutVersion":"1.0.0"}'), ("index.json", index)] + \
            [("blobs/sha256/" + d.split(":")[1], b) for d, b in [(layer_digest, layer), (config_digest, config), (manifest_digest, manifest)]]:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        t.addfile(info, io.BytesIO(data))
PY
  out=$(ctr --address "$SOCK" -n k8s.io images import --snapshotter native "$SCRATCH/image.tar" 2>&1)
  check "the image is imported" grep -q "$IMAGE" <<<"$(ctr --address "$SOCK" -n k8s.io images ls -q 2>&1)"
  mkdir -p "$SCRATCH/pods" "$SCRATCH/cri-gen"
  out=$(/usr/bin/python3 - "$CRI_API" "$SCRATCH/cri-gen" "$SOCK" "$IMAGE" "$SCRATCH/pods" "$CTD/state" <<'PY' 2>&1
import sys, time
api, gen, sock, image, logs, state = sys.argv[1:7]
from grpc_tools import protoc
if protoc.main(["protoc", "-I" + api, "--python_out=" + gen, "--grpc_python_out=" + gen, api + "/api.proto"]) != 0:
    sys.exit("protoc failed")
sys.path.insert(0, gen)
import grpc
import api_pb2 as pb
import api_pb2_grpc as rpc
rt = rpc.RuntimeServiceStub(grpc.insecure_channel("unix://" + sock))

def pod(name):
    cfg = pb.PodSandboxConfig(
        metadata=pb.PodSandboxMetadata(name=name, uid=name + "-uid", namespace="default"),
        log_directory=logs + "/" + name,
        linux=pb.LinuxPodSandboxConfig(security_context=pb.LinuxSandboxSecurityContext(
            namespace_options=pb.NamespaceOption(network=pb.NODE))))
    sandbox = rt.RunPodSandbox(pb.RunPodSandboxRequest(config=cfg, runtime_handler="nvidia"), timeout=60).pod_sandbox_id
    print("SANDBOX", name, sandbox)
    # The runc shim records the BinaryName it runs for the sandbox's task.
    with open(state + "/io.containerd.runtime.v2.task/k8s.io/" + sandbox + "/runtime") as f:
        print("SANDBOX-RUNTIME", f.read().strip())
    return cfg, sandbox

def run(cfg, sandbox, name, devices, script):
    c = pb.ContainerConfig(metadata=pb.ContainerMetadata(name=name), image=pb.ImageSpec(image=image),
                           command=["sh", "-c", script], log_path=name + ".log",
                           envs=[pb.KeyValue(key="NVIDIA_VISIBLE_DEVICES", value=devices.encode())])
    cid = rt.CreateContainer(pb.CreateContainerRequest(pod_sandbox_id=sandbox, config=c, sandbox_config=cfg), timeout=60).container_id
    try:
        rt.StartContainer(pb.StartContainerRequest(container_id=cid), timeout=60)
    except grpc.RpcError as e:
        print("START-ERROR", name, e.details())
        return
    for _ in range(300):
        st = rt.ContainerStatus(pb.ContainerStatusRequest(container_id=cid), timeout=10).status
        if st.state == pb.CONTAINER_EXITED:
            break
        time.sleep(0.1)
    print("EXIT", name, st.exit_code)
    with open(cfg.log_directory + "/" + name + ".log") as f:
        for line in f:
            print("LOG", name, line.rstrip("\n").split(" ", 3)[-1])

cfg, sandbox = pod("gpu-pod")
run(cfg, sandbox, "cuda", "1", "ls /dev | grep ^nvidia | sort | tr '\\n' ' '; echo; nvidia-smi -L")
run(cfg, sandbox, "bad", "7", "true")
for s in (sandbox,):
    rt.StopPodSandbox(pb.StopPodSandboxRequest(pod_sandbox_id=s), timeout=60)
    rt.RemovePodSandbox(pb.RemovePodSandboxRequest(pod_sandbox_id=s), timeout=60)
print("DONE")
PY
)
  echo "$out" | sed 's/^/    | /'
  check_contains "the pod ran to the end" "$out" "DONE"
  check_contains "the pod's sandbox ran through the nvidia handler (nvrunc)" "$out" "SANDBOX-RUNTIME $NVRUNC"
  check_contains "the GPU container exited 0" "$out" "EXIT cuda 0"
  check_contains "it saw its nodes" "$out" "LOG cuda nvidia-uvm nvidia-uvm-tools nvidia1 nvidiactl"
  check_contains "nvidia-smi -L in the pod lists GPU 1" "$out" "(UUID: $UUID1)"
  check_contains "a bad request: the CRI error carries nvrunc's message" "$out" 'OCI runtime create failed: nvrunc: create: unknown GPU `7`'
fi

echo "== a version 3 config (containerd 2.x) that this containerd cannot read: the check fails, files put back"
if [[ $(containerd --version) == *" 1."* ]]; then
  cp "$(dirname "$0")/../unit/engine/fixtures/containerd-2.0-v3.toml" "$SCRATCH/v3.toml"
  cp "$SCRATCH/v3.toml" "$SCRATCH/v3.orig"
  out=$("$NVRUNC_CTL" runtime configure --runtime containerd --config "$SCRATCH/v3.toml" --binary "$NVRUNC" 2>&1)
  rc=$?
  echo "$out" | tail -1 | sed 's/^/    | /'
  check_eq "exit status 1" 1 "$rc"
  check_contains "containerd's own view is the judge" "$out" "verify: \`$(command -v containerd) --config $SCRATCH/v3.toml config dump\`: no runtime handler \`nvidia\`"
  check_contains "with the reason" "$out" "the installed containerd reads configuration version 2, this file is version 3"
  check_contains "and the files are put back" "$out" "the files are put back as they were"
  check "the file is as it was" cmp -s "$SCRATCH/v3.orig" "$SCRATCH/v3.toml"
else
  echo "  skipped: containerd $(containerd --version) reads version 3"
fi

echo "== a configuration containerd would ignore is refused, not written"
printf 'version = 2\ndisabled_plugins = ["io.containerd.grpc.v1.cri"]\n' >"$SCRATCH/disabled.toml"
cp "$SCRATCH/disabled.toml" "$SCRATCH/disabled.orig"
out=$("$NVRUNC_CTL" runtime configure --runtime containerd --config "$SCRATCH/disabled.toml" --binary "$NVRUNC" 2>&1)
rc=$?
check_eq "exit status 1" 1 "$rc"
check_contains "it says why" "$out" "the CRI plugin is disabled"
check "the file is untouched" cmp -s "$SCRATCH/disabled.orig" "$SCRATCH/disabled.toml"

finish
