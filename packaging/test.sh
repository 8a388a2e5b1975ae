#!/usr/bin/env bash
# The whole test suite from a clean build, as CI runs it (.ci/run calls this), as root:
#   sudo packaging/test.sh
# 1. installs every dependency from Debian (packaging/install-deps.sh --test);
# 2. builds in build-test/ from scratch and runs every test: unit, component, integration (real
#    runc, containerd and podman containers on simulated GPU nodes), golden;
# 3. builds again with clang, AddressSanitizer + UndefinedBehaviorSanitizer and libFuzzer's
#    coverage (build-asan/, -DNVRUNC_FUZZ=ON) and runs the unit and component tests there, then
#    the fuzz smoke run (every regression input, then a few seconds per target).
#    NVRUNC_SKIP_SANITIZERS=1 skips this step.
# Exit status 0 only if everything passed.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc 2>/dev/null || echo 2)

packaging/install-deps.sh --test

step() { printf '\n=== %s\n' "$*"; }

step "build (build-test/)"
rm -rf build-test
cmake -S . -B build-test -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build-test -j"$jobs"

step "tests: unit, component, integration, golden"
ctest --test-dir build-test --output-on-failure -j"$jobs" --timeout 600 -LE fuzz

if [[ "${NVRUNC_SKIP_SANITIZERS:-0}" != 1 ]]; then
  step "sanitizer + fuzz build (build-asan/, clang): unit and component tests under ASan + UBSan, fuzz smoke"
  rm -rf build-asan
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DNVRUNC_FUZZ=ON \
    -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >/dev/null
  cmake --build build-asan -j"$jobs"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    ctest --test-dir build-asan --output-on-failure -j"$jobs" -L 'unit|component|fuzz'
fi

step "all tests passed"
