#!/usr/bin/env bash
# The hot-function order (cmake/NvruncTargets.cmake) is applied and still fits the code:
# - not stale: most names in cmake/hot-functions.order exist in nvrunc or nvrunc-hook (renamed or
#   removed functions drop out; past a tenth, regenerate it with test/bench/hot-functions.sh);
# - applied: in each binary, the listed functions it holds lie together at the start of .text
#   (lld followed the file), not spread over all of it.
# usage: hot_functions_test.sh BIN_DIR ORDER_FILE. Skipped (77) unless the build linked with the
# order (NVRUNC_LINK_ORDER, set by ctest from CMake: portable builds with lld).
set -uo pipefail
bin=${1:?usage: hot_functions_test.sh BIN_DIR ORDER_FILE}
order=${2:?usage: hot_functions_test.sh BIN_DIR ORDER_FILE}
is_on() { case "${1^^}" in ON | 1 | TRUE | YES) return 0 ;; *) return 1 ;; esac; }
if ! is_on "${NVRUNC_LINK_ORDER:-OFF}"; then echo "SKIP: this build does not link with the hot-function order"; exit 77; fi
for tool in nm readelf python3; do command -v $tool >/dev/null || { echo "SKIP: needs $tool"; exit 77; }; done

python3 - "$bin" "$order" <<'PY'
import subprocess, sys
bin_dir, order_file = sys.argv[1], sys.argv[2]
wanted = [l.strip() for l in open(order_file) if l.strip() and not l.startswith("#")]
failures = 0

def symbols(path):
    """name -> (address, size) of the defined function symbols."""
    out = subprocess.run(["nm", "-S", "--defined-only", path], capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[2] in "tTwW":
            syms.setdefault(parts[3], (int(parts[0], 16), int(parts[1], 16)))
    return syms

def text_section(path):
    """(address, size) of .text."""
    out = subprocess.run(["readelf", "-SW", path], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        parts = line.replace("[ ", "[").split()
        if len(parts) > 5 and parts[1] == ".text":
            return int(parts[3], 16), int(parts[5], 16)
    raise SystemExit(f"FAIL: {path} has no .text")

found = set()
for b in ("nvrunc", "nvrunc-hook"):
    path = f"{bin_dir}/{b}"
    syms, (start, size) = symbols(path), text_section(path)
    listed = sorted(syms[n][0] for n in wanted if n in syms)
    found.update(n for n in wanted if n in syms)
    if not listed:
        print(f"  FAIL: {b}: none of the listed functions is in it")
        failures += 1
        continue
    # Where 95 % of the listed functions end: with the order applied, a region at the start of .text
    # hardly larger than the functions themselves; without it, most of .text (they are spread out).
    region = listed[int(0.95 * (len(listed) - 1))] - start
    print(f"  {b}: 95% of its {len(listed)} listed functions lie in the first {region} of {size} bytes of .text "
          f"({region / size:.0%})")
    if region > 0.5 * size:
        print(f"  FAIL: {b}: the listed functions are spread over .text: the order was not applied")
        failures += 1
share = len(found) / len(wanted) if wanted else 0
print(f"  {len(found)} of {len(wanted)} names in {order_file} are in the binaries ({share:.0%})")
if share < 0.9:
    print("  FAIL: the hot-function list is stale: regenerate it with test/bench/hot-functions.sh")
    failures += 1
sys.exit(1 if failures else 0)
PY
