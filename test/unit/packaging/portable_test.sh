#!/usr/bin/env bash
# The binaries run on any host (DESIGN.md §6: the node installer copies them onto arbitrary hosts):
# nvrunc and nvrunc-hook are fully static (no program interpreter, no DT_NEEDED: exec maps no
# loader, ~0.4 ms per container create); nvrunc-ctl and nvrunc-probe need nothing but glibc (ctl
# loads NVML with dlopen for nvrunc: `nvrunc-ctl nvml-facts`). None has an RPATH/RUNPATH.
# usage: portable_test.sh BIN_DIR. Skipped (77) for sanitizer or non-portable builds
# (NVRUNC_SANITIZE / NVRUNC_PORTABLE, set by ctest from the CMake options).
set -uo pipefail
bin=${1:?usage: portable_test.sh BIN_DIR}
is_on() { case "${1^^}" in ON | 1 | TRUE | YES) return 0 ;; *) return 1 ;; esac; }
if is_on "${NVRUNC_SANITIZE:-OFF}"; then echo "SKIP: sanitizer build (links libasan and libubsan)"; exit 77; fi
if ! is_on "${NVRUNC_PORTABLE:-ON}"; then echo "SKIP: NVRUNC_PORTABLE=OFF build"; exit 77; fi
command -v readelf >/dev/null || { echo "SKIP: needs readelf (binutils)"; exit 77; }

glibc='^(libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1)$'
failures=0
fail() { echo "  FAIL: $*"; failures=$((failures + 1)); }

# check BINARY static|glibc
check() {
  local b=$1 kind=$2 f=$bin/$1
  if [[ ! -x $f ]]; then fail "$f is missing (build first)"; return; fi
  local dynamic needed interp
  dynamic=$(readelf -d "$f" 2>&1)
  needed=$(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' <<<"$dynamic" | sort | tr '\n' ' ')
  interp=$(readelf -l "$f" 2>&1 | sed -n 's/.*Requesting program interpreter: \(.*\)\]/\1/p')
  if grep -qE '\((RPATH|RUNPATH)\)' <<<"$dynamic"; then fail "$b has an RPATH/RUNPATH"; return; fi
  if [[ $kind == static ]]; then
    if [[ -n $interp || -n $needed ]]; then
      fail "$b must be static but has interpreter '${interp:-none}' and needs '${needed:-nothing}'"
    else
      echo "  ok: $b is static: no interpreter, needs nothing"
    fi
    return
  fi
  local extra
  extra=$(tr ' ' '\n' <<<"$needed" | grep -v '^$' | grep -vE "$glibc" | tr '\n' ' ')
  if [[ -n $extra ]]; then
    fail "$b needs $extra(all: $needed)"
  else
    echo "  ok: $b needs only glibc: ${needed:-nothing (static)}"
  fi
}

check nvrunc static
check nvrunc-hook static
check nvrunc-ctl glibc
check nvrunc-probe glibc
((failures)) && exit 1
echo "all checks passed"
