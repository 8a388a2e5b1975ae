#!/usr/bin/env bash
# The demo, in one command on a fresh Debian machine, as root:
#   sudo packaging/demo.sh
# Installs what is needed, builds nvrunc, and runs a real container through nvrunc and runc that
# lists its GPU. On a host with an NVIDIA driver (/proc/driver/nvidia/version) it uses the real
# driver and GPU 0; elsewhere it first builds a simulated 2-GPU node with `nvrunc-ctl mock-driver`
# and gives the container GPU 1 only.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "demo: run as root (it starts a real container with runc)" >&2; exit 1; }

packaging/install-deps.sh --demo
echo "== building nvrunc (build/)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)" --target nvrunc nvrunc-hook nvrunc-ctl nvrunc-probe >/dev/null

NVRUNC_BIN=$PWD/build/bin
source test/integration/lib.sh
DEMO=$PWD/build/demo
rm -rf "$DEMO" && mkdir -p "$DEMO"
RUNC_ROOT=$DEMO/runc-root
trap 'runc --root "$RUNC_ROOT" delete -f nvrunc-demo >/dev/null 2>&1 || true' EXIT

if [[ -r /proc/driver/nvidia/version ]]; then
  echo "== real NVIDIA driver found: $(head -1 /proc/driver/nvidia/version)"
  unset NVRUNC_CONFIG
  GPU=${GPU:-0}
else
  echo "== no NVIDIA driver here: building a simulated 2-GPU node in $DEMO/node"
  "$NVRUNC_CTL" mock-driver --root "$DEMO/node" --gpus 2
  export NVRUNC_CONFIG=$DEMO/node/config.toml
  GPU=${GPU:-1}
fi

echo "== what nvrunc discovers (nvrunc-ctl info)"
"$NVRUNC_CTL" info | sed 's/^/   /'

B=$DEMO/bundle
make_bundle "$B" '
  echo "\$ ls -l /dev/nvidia*"; ls -l /dev/nvidia*
  echo; echo "\$ nvidia-smi -L"; nvidia-smi -L
  echo; echo "\$ nvrunc-probe libs   (dlopen by SONAME through the ld cache nvrunc-hook built)"; nvrunc-probe libs' \
  "NVIDIA_VISIBLE_DEVICES=$GPU"
smi=$("$NVRUNC_CTL" info --json | jq -r '.binaries[] | select(.name == "nvidia-smi") | .path' || true)
[[ -n $smi && -z ${NVRUNC_CONFIG:-} ]] && add_libs_for "$B/rootfs" "$smi"

echo
echo "== what \`nvrunc create\` will do to the bundle (nvrunc-ctl explain)"
"$NVRUNC_CTL" explain --bundle "$B" | sed 's/^/   /'

echo
echo "== nvrunc --root $RUNC_ROOT run --bundle $B nvrunc-demo   (NVIDIA_VISIBLE_DEVICES=$GPU)"
"$NVRUNC" --root "$RUNC_ROOT" run --bundle "$B" nvrunc-demo | sed 's/^/   /'
echo
echo "== done: the container above was started by runc through nvrunc and saw only GPU $GPU"
