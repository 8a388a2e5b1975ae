#!/usr/bin/env bash
# Faults (issue 6, "nothing lost"): nvrunc killed at random points during `create`, a full disk, a
# read-only bundle, a missing low-level runtime, a broken config.toml, a GPU that vanished, and 50
# concurrent creates. config.json is always either as it was or completely written, every error is
# one line, and the bundle is left as it was when create is refused.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hard_lib.sh"
need_root
need_tool runc
need_tool busybox
need_tool python3
need_tool jq
scratch_init
make_node "$SCRATCH/node" 2 || exit 1
NODE=$SCRATCH/node
NODE_CONFIG=$NODE/config.toml
TEMPLATE=$SCRATCH/template
make_rootfs "$TEMPLATE"

# new_bundle DIR [ENV...]: a bundle whose process is `true`, rootfs hard-linked from the template.
new_bundle() {
  local b=$1; shift
  mkdir -p "$b"
  [[ -d $b/rootfs ]] || cp -al "$TEMPLATE" "$b/rootfs"
  make_bundle "$b" true "$@"
  B=$b
}

# refused NAME EXPECT BUNDLE NVRUNC-ARGS...: nvrunc refuses with one line containing EXPECT and the
# bundle (config.json's bytes, the directory's entries) is exactly as it was.
refused() {
  local name=$1 expect=$2 bundle=$3; shift 3
  local before
  before=$(bundle_snapshot "$bundle")
  timeout 60 "$NVRUNC" --root "$RUNC_ROOT" "$@" >"$SCRATCH/out" 2>"$SCRATCH/err"
  local rc=$? err
  err=$(cat "$SCRATCH/err")
  echo "    $name: $err"
  one_line_refusal "$name" "$rc" "$(cat "$SCRATCH/out")" "$err"
  check_contains "$name: says why" "$err" "$expect"
  check_eq "$name: the bundle is as it was" "$before" "$(bundle_snapshot "$bundle")"
  check_eq "$name: no container" "" "$(runc --root "$RUNC_ROOT" list -q)"
  local id
  for id in $(runc --root "$RUNC_ROOT" list -q); do runc --root "$RUNC_ROOT" delete -f "$id"; done
}

echo "== SIGKILL at random points of create, 200 times"
# A low-level runtime that sleeps: a kill after nvrunc's execve lands in it, as one in runc would.
noop_runtime "$SCRATCH/slow-runtime" 0.2
noop_runtime "$SCRATCH/noop-runtime"
config_with_runtime "$NODE_CONFIG" "$SCRATCH/slow.toml" "$SCRATCH/slow-runtime"
config_with_runtime "$NODE_CONFIG" "$SCRATCH/noop.toml" "$SCRATCH/noop-runtime"
new_bundle "$SCRATCH/kill" NVIDIA_VISIBLE_DEVICES=all
cp "$B/config.json" "$SCRATCH/kill.orig"
NVRUNC_CONFIG=$SCRATCH/noop.toml "$NVRUNC" create -b "$B" reference || fail "reference create"
cp "$B/config.json" "$SCRATCH/kill.edited"
check "the edited reference is valid JSON" python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$SCRATCH/kill.edited"
differs() { ! cmp -s "$1" "$2"; }
check "and differs from the original" differs "$SCRATCH/kill.orig" "$SCRATCH/kill.edited"
start=$SECONDS
NVRUNC_CONFIG=$SCRATCH/slow.toml python3 - "$NVRUNC" "$B" "$SCRATCH/kill.orig" "$SCRATCH/kill.edited" 200 <<'PY'
import os, random, signal, subprocess, sys, time
nvrunc, bundle, orig_path, edited_path, runs = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
orig, edited = open(orig_path, "rb").read(), open(edited_path, "rb").read()
config = os.path.join(bundle, "config.json")
noop_env = dict(os.environ, NVRUNC_CONFIG=os.environ["NVRUNC_CONFIG"].replace("slow.toml", "noop.toml"))

def restore():
    with open(config, "wb") as f:
        f.write(orig)

# How long nvrunc itself takes (until its runtime exits at once): kills are spread over 0..1.5x that,
# so they land before the write, during it, after the rename and in the runtime.
spans = []
for i in range(7):
    restore()
    t = time.monotonic()
    subprocess.run([nvrunc, "create", "-b", bundle, "m%d" % i], env=noop_env, check=True)
    spans.append(time.monotonic() - t)
span = sorted(spans)[len(spans) // 2]
print("    nvrunc create + a no-op runtime: median %.2f ms" % (span * 1000))
rng = random.Random(int(os.environ.get("NVRUNC_FAULT_SEED", "6")))
untouched = complete = bad = exited = litter = 0
for i in range(runs):
    restore()
    delay = rng.uniform(0, 1.5 * span)
    p = subprocess.Popen([nvrunc, "create", "-b", bundle, "k%d" % i], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    time.sleep(delay)
    if p.poll() is not None:
        exited += 1
    p.kill()
    p.wait()
    data = open(config, "rb").read()
    if data == orig:
        untouched += 1
    elif data == edited:
        complete += 1
    else:
        bad += 1
        open(os.path.join(os.path.dirname(orig_path), "kill.bad.%d" % i), "wb").write(data)
        print("    run %d (killed after %.0f us): config.json is neither (%d bytes)" % (i, delay * 1e6, len(data)))
    for name in os.listdir(bundle):
        if name.startswith(".nvrunc-tmp-"):
            litter += 1
            os.unlink(os.path.join(bundle, name))
print("    %d runs: %d untouched, %d completely written, %d neither; %d had exited before the kill; "
      "%d temporary files left behind by a kill (removed)" % (runs, untouched, complete, bad, exited, litter))
sys.exit(0 if bad == 0 and untouched > 0 and complete > 0 else 1)
PY
check "every killed create left config.json untouched or complete (and both happened)" test $? -eq 0
echo "    ($((SECONDS - start)) s)"

echo "== a full disk: the bundle on a tmpfs with no room for the rewrite"
B=$SCRATCH/full
mkdir -p "$B"
mount -t tmpfs -o size=64k,mode=0755 tmpfs "$B" || { fail "mount a tmpfs"; }
mkdir "$B/rootfs"
make_bundle "$B" true NVIDIA_VISIBLE_DEVICES=0
# The rootfs lives elsewhere (root.path absolute): the tmpfs holds config.json and the filler only.
python3 - "$B/config.json" "$TEMPLATE" <<'PY'
import json, sys
spec = json.load(open(sys.argv[1])); spec["root"]["path"] = sys.argv[2]
json.dump(spec, open(sys.argv[1], "w"), indent="\t")
PY
dd if=/dev/zero of="$B/filler" bs=1k count=1024 2>/dev/null # fills it: ENOSPC is expected
check "the tmpfs is full" test "$(df --output=avail -k "$B" | tail -1)" -eq 0
refused full-disk "No space left on device" "$B" create -b "$B" full
umount "$B"

echo "== a read-only bundle"
B=$SCRATCH/ro
new_bundle "$B" NVIDIA_VISIBLE_DEVICES=0
mount --bind "$B" "$B" && mount -o remount,bind,ro "$B"
refused read-only "Read-only file system" "$B" create -b "$B" ro
refused read-only-run "Read-only file system" "$B" run -b "$B" ro
umount "$B"
if chattr +i "$B/config.json" 2>/dev/null; then
  refused immutable-config "Operation not permitted" "$B" create -b "$B" immutable
  chattr -i "$B/config.json"
  chattr +i "$B"
  refused immutable-bundle "Operation not permitted" "$B" create -b "$B" immutable
  chattr -i "$B"
else
  echo "    (chattr +i is not supported here: the immutable cases are skipped)"
fi

echo "== a missing low-level runtime"
B=$SCRATCH/noruntime
new_bundle "$B" NVIDIA_VISIBLE_DEVICES=0
config_with_runtime "$NODE_CONFIG" "$SCRATCH/missing.toml" "$SCRATCH/no-such-runc" "no-such-runc-either"
NVRUNC_CONFIG=$SCRATCH/missing.toml refused missing-runtime "no-such-runc" "$B" create -b "$B" noruntime
new_bundle "$B" NVIDIA_VISIBLE_DEVICES=0
touch "$SCRATCH/not-executable" && chmod 644 "$SCRATCH/not-executable"
config_with_runtime "$NODE_CONFIG" "$SCRATCH/noexec.toml" "$SCRATCH/not-executable"
NVRUNC_CONFIG=$SCRATCH/noexec.toml refused runtime-not-executable "not-executable" "$B" create -b "$B" noruntime
new_bundle "$B" NVIDIA_VISIBLE_DEVICES=0
NVRUNC_CONFIG=$SCRATCH/missing.toml refused missing-runtime-run "no-such-runc" "$B" run -b "$B" noruntime
err=$(NVRUNC_CONFIG=$SCRATCH/missing.toml "$NVRUNC" --root "$RUNC_ROOT" state x 2>&1)
check_contains "missing runtime: state says so too" "$err" "no-such-runc"

echo "== a broken config.toml: create and run fail, state/start/kill/delete pass through"
printf '[nvrunc]\nruntimes = [\n' >"$SCRATCH/broken.toml"
B=$SCRATCH/broken
new_bundle "$B" NVIDIA_VISIBLE_DEVICES=0
NVRUNC_CONFIG=$SCRATCH/broken.toml refused broken-config-create "broken.toml" "$B" create -b "$B" broken
NVRUNC_CONFIG=$SCRATCH/broken.toml refused broken-config-run "broken.toml" "$B" run -b "$B" broken
P=$SCRATCH/passthrough
mkdir -p "$P" && cp -al "$TEMPLATE" "$P/rootfs" && make_bundle "$P" 'sleep 30'
check "runc creates a container" runc --root "$RUNC_ROOT" create -b "$P" pass
export NVRUNC_CONFIG=$SCRATCH/broken.toml
check_eq "state passes through" "$(runc --root "$RUNC_ROOT" state pass | jq -c 'del(.created)')" \
  "$("$NVRUNC" --root "$RUNC_ROOT" state pass | jq -c 'del(.created)')"
check "start passes through" "$NVRUNC" --root "$RUNC_ROOT" start pass
check_eq "the container runs" running "$(runc --root "$RUNC_ROOT" state pass | jq -r .status)"
check "kill passes through" "$NVRUNC" --root "$RUNC_ROOT" kill pass KILL
for _ in $(seq 50); do [[ $(runc --root "$RUNC_ROOT" state pass | jq -r .status) == stopped ]] && break; sleep 0.1; done
check_eq "the container stopped" stopped "$(runc --root "$RUNC_ROOT" state pass | jq -r .status)"
check "delete passes through" "$NVRUNC" --root "$RUNC_ROOT" delete pass
check_eq "the container is gone" "" "$(runc --root "$RUNC_ROOT" list -q)"
unset NVRUNC_CONFIG

echo "== a GPU that vanished between discovery and create"
# Deterministic stand-ins for a GPU falling off the bus: its device node is gone while the driver
# still lists it; then the driver no longer lists it either (requested by UUID).
V=$SCRATCH/vanish-node
make_node "$V" 2 || exit 1
UUID1=$(uuid_of "$V" 1)
B=$SCRATCH/vanish
new_bundle "$B" NVIDIA_VISIBLE_DEVICES=1
rm "$V/dev/nvidia1"
NVRUNC_CONFIG=$V/config.toml refused vanished-node "nvidia1" "$B" create -b "$B" vanish
new_bundle "$B" "NVIDIA_VISIBLE_DEVICES=$UUID1"
busid=$(grep -l "$UUID1" "$V"/proc/driver/nvidia/gpus/*/information | xargs dirname)
rm -rf "$busid"
NVRUNC_CONFIG=$V/config.toml refused vanished-gpu "$UUID1" "$B" create -b "$B" vanish
new_bundle "$B" NVIDIA_VISIBLE_DEVICES=0
NVRUNC_CONFIG=$V/config.toml timeout 60 "$NVRUNC" --root "$RUNC_ROOT" run -b "$B" vanish-other >/dev/null 2>&1
check_eq "the other GPU still works" 0 "$?"

echo "== 50 concurrent creates on one 8-GPU node"
C=$SCRATCH/node8
make_node "$C" 8 || exit 1
declare -A want
for i in $(seq 0 49); do
  case $((i % 3)) in
    0) req=$((i % 8)) ;;
    1) req=$((i % 8)),$(((i + 3) % 8)) ;;
    2) req=$(uuid_of "$C" $(((i + 5) % 8))) ;;
  esac
  new_bundle "$SCRATCH/c$i" "NVIDIA_VISIBLE_DEVICES=$req"
  case $((i % 3)) in
    0) want[$i]="/dev/nvidia$((i % 8))" ;;
    1) want[$i]=$(printf '/dev/nvidia%s\n' $((i % 8)) $(((i + 3) % 8)) | sort | tr '\n' ' ' | sed 's/ $//') ;;
    2) want[$i]="/dev/nvidia$(((i + 5) % 8))" ;;
  esac
done
start=$SECONDS
pids=()
for i in $(seq 0 49); do
  NVRUNC_CONFIG=$C/config.toml timeout 120 "$NVRUNC" --root "$RUNC_ROOT" create -b "$SCRATCH/c$i" "c$i" \
    >"$SCRATCH/c$i.out" 2>&1 &
  pids+=($!)
done
ok=0
for i in $(seq 0 49); do
  if wait "${pids[$i]}"; then ok=$((ok + 1)); else echo "    c$i: $(cat "$SCRATCH/c$i.out")"; fi
done
echo "    $ok of 50 created in $((SECONDS - start)) s"
check_eq "all 50 creates succeed" 50 "$ok"
mine=0
for i in $(seq 0 49); do
  got=$(jq -r '[.linux.devices[].path | select(test("^/dev/nvidia[0-9]+$"))] | sort | join(" ")' "$SCRATCH/c$i/config.json")
  allowed=$(jq -r '[.linux.resources.devices[] | select(.allow and .major == 195 and .minor < 128) | .minor] | sort | map("/dev/nvidia\(.)") | join(" ")' "$SCRATCH/c$i/config.json")
  [[ $got == "${want[$i]}" && $allowed == "${want[$i]}" ]] && mine=$((mine + 1)) || echo "    c$i: want [${want[$i]}], devices [$got], allowed [$allowed]"
  [[ $(runc --root "$RUNC_ROOT" state "c$i" 2>/dev/null | jq -r .status) == created ]] || echo "    c$i: not created"
done
check_eq "each config.json has exactly its own GPUs" 50 "$mine"
check_eq "50 containers are created" 50 "$(runc --root "$RUNC_ROOT" list -q | grep -c '^c[0-9]')"
deleted=0
for i in $(seq 0 49); do "$NVRUNC" --root "$RUNC_ROOT" delete -f "c$i" && deleted=$((deleted + 1)); done
check_eq "all 50 deleted through nvrunc" 50 "$deleted"
check_eq "none left" "" "$(runc --root "$RUNC_ROOT" list -q)"

finish
