#!/usr/bin/env bash
# Installs what nvrunc needs from Debian's archive (Debian 12 or later, as root).
#   packaging/install-deps.sh          build dependencies only
#   packaging/install-deps.sh --demo   also what the demo runs (runc, busybox-static, jq)
#   packaging/install-deps.sh --test   also every tool the integration tests drive
set -euo pipefail

build_pkgs=(cmake g++ make pkg-config libc-bin binutils lld
  nlohmann-json3-dev libcap-dev libseccomp-dev libcli11-dev libfmt-dev
  catch2 libtomlplusplus-dev libexpected-dev libyaml-cpp-dev)
demo_pkgs=(runc busybox-static jq)
test_pkgs=(runc crun containerd podman busybox-static jq python3 python3-jsonschema
  python3-yaml python3-grpcio python3-grpc-tools uidmap clang libclang-rt-dev time)

want=("${build_pkgs[@]}")
case "${1:-}" in
  "") ;;
  --demo) want+=("${demo_pkgs[@]}") ;;
  --test) want+=("${test_pkgs[@]}") ;;
  *) echo "usage: $0 [--demo|--test]" >&2; exit 2 ;;
esac

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present" >&2
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing ${missing[*]}; run this script as root (or with sudo)" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
