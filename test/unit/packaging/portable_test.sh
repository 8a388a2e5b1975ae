#!/usr/bin/env bash
# The binaries need nothing but glibc at run time (DESIGN.md §6: the node installer copies them onto
# arbitrary hosts): every DT_NEEDED entry of nvrunc, nvrunc-hook and nvrunc-ctl must be a glibc
# library, and there must be no RPATH/RUNPATH.
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
for b in nvrunc nvrunc-hook nvrunc-ctl; do
  f=$bin/$b
  if [[ ! -x $f ]]; then echo "  FAIL: $f is missing (build first)"; failures=$((failures + 1)); continue; fi
  dynamic=$(readelf -d "$f" 2>&1)
  needed=$(sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' <<<"$dynamic" | sort | tr '\n' ' ')
  extra=$(tr ' ' '\n' <<<"$needed" | grep -v '^$' | grep -vE "$glibc" | tr '\n' ' ')
  if [[ -n $extra ]]; then
    echo "  FAIL: $b needs $extra(all: $needed)"; failures=$((failures + 1))
  elif grep -qE '\((RPATH|RUNPATH)\)' <<<"$dynamic"; then
    echo "  FAIL: $b has an RPATH/RUNPATH"; failures=$((failures + 1))
  else
    echo "  ok: $b needs only glibc: ${needed:-nothing (static)}"
  fi
done
((failures)) && exit 1
echo "all checks passed"
