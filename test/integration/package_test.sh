#!/usr/bin/env bash
# The Debian package: `cpack -G DEB` in the build directory, its control data (conffiles, depends),
# installed with `dpkg --root` into a scratch root, and the installed binaries run from there.
source "$(dirname "$0")/lib.sh"
need_root
need_tool cpack
need_tool dpkg
need_tool dpkg-deb
BUILD=$(cd "$NVRUNC_BIN/.." && pwd)
[[ -f $BUILD/CPackConfig.cmake ]] || skip "no CPackConfig.cmake in $BUILD (packaging/CPack.cmake not included)"
scratch_init

echo "== cpack -G DEB"
out=$(cd "$BUILD" && cpack -G DEB -B "$SCRATCH/pkg" 2>&1)
rc=$?
check_eq "cpack exit status" 0 "$rc"
deb=$(ls "$SCRATCH"/pkg/nvrunc_*.deb 2>/dev/null | head -1)
[[ -n $deb ]] || { echo "$out" >&2; fail "no .deb made"; finish; }
echo "    $(basename "$deb")"
info=$(dpkg-deb --info "$deb")
check_contains "Package" "$info" "Package: nvrunc"
check_contains "Depends on glibc only" "$info" "Depends: libc6 (>= "
check_contains "Suggests runc" "$info" "Suggests: runc"
check_contains "Maintainer" "$info" "Maintainer: "
check_contains "Description" "$info" "Description: runc-compatible runtime that gives OCI containers NVIDIA GPUs"
check_contains "an extended description" "$info" " nvrunc is called by container engines exactly as runc is"
check_not_contains "made of one string" "$info" ";"
check_eq "conffiles" /etc/nvrunc/config.toml "$(dpkg-deb --info "$deb" conffiles | tr -d '\n')"
contents=$(dpkg-deb --contents "$deb" | awk '{print $6}')
for f in ./usr/bin/nvrunc ./usr/bin/nvrunc-hook ./usr/bin/nvrunc-ctl ./etc/nvrunc/config.toml \
  ./usr/share/nvrunc/kubernetes/runtimeclass.yaml ./usr/share/nvrunc/kubernetes/node-installer.yaml; do
  check_contains "contains $f" "$contents" "$f"
done
check_not_contains "no test binaries" "$contents" "probe"

echo "== dpkg --root installs it into a scratch root"
ROOT=$SCRATCH/root
mkdir -p "$ROOT/var/lib/dpkg/info" "$ROOT/var/lib/dpkg/updates" "$ROOT/var/log"
: >"$ROOT/var/lib/dpkg/status"
# libc6 is the host's (the scratch root has no package database of its own).
out=$(dpkg --root="$ROOT" --log=/dev/null --force-depends --force-script-chrootless -i "$deb" 2>&1)
rc=$?
echo "$out" | tail -2 | sed 's/^/    | /'
check_eq "dpkg -i exit status" 0 "$rc"
check_contains "dpkg registers the conffile" "$(dpkg --root="$ROOT" --status nvrunc 2>/dev/null)" "/etc/nvrunc/config.toml "
check "the config file is there" test -f "$ROOT/etc/nvrunc/config.toml"

echo "== the installed binaries run"
out=$("$ROOT/usr/bin/nvrunc" --version 2>&1)
check_contains "nvrunc --version" "$out" "nvrunc version"
make_node "$SCRATCH/node" 1 || exit 1
out=$("$ROOT/usr/bin/nvrunc-ctl" info 2>&1)
rc=$?
check_eq "nvrunc-ctl info exit status" 0 "$rc"
check_contains "nvrunc-ctl info sees the simulated GPU" "$out" "$(uuid_of "$SCRATCH/node" 0)"
out=$("$ROOT/usr/bin/nvrunc-ctl" runtime configure --runtime docker --config "$SCRATCH/daemon.json" --dry-run 2>/dev/null)
check_contains "the installed nvrunc-ctl points engines at the installed nvrunc" "$out" "\"path\": \"$ROOT/usr/bin/nvrunc\""

finish
