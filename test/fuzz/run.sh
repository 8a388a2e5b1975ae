#!/usr/bin/env bash
# Builds nvrunc's libFuzzer targets with clang and runs each one; fails on any crash, hang, leak or
# sanitizer report (see test/fuzz/RESULTS.md).
#
#   test/fuzz/run.sh [OPTIONS] [SECONDS_PER_TARGET]      default 10 seconds per target
#
#   --build-dir DIR   where to build (default: build-fuzz in the repository); reused incrementally
#   --bin-dir DIR     use targets already built there (a -DNVRUNC_FUZZ=ON build's fuzz-bin); no build
#   --source DIR      the source tree to configure (default: this repository)
#   --targets "A B"   only these targets (names without fuzz_), default all that were built
#   --runs N          stop each target after N executions, or after SECONDS when that is given
#                     too (whichever comes first: a long run with a time cap per target)
#   --corpus-dir DIR  the growing corpus, one sub-directory per target (default: BUILD/corpus);
#                     the seeds in test/fuzz/corpus are read-only inputs
#   --smoke           CI mode: a throw-away corpus in a temporary directory
#   --skip-known LIST step around bugs already reported (names of files in regressions/, or
#                     "all"): for long runs that look for new bugs while old ones are not fixed yet;
#                     the regression replay steps around them too (without it, it fails on them)
#   --jobs N          build parallelism (default 2)
#
# Every input in test/fuzz/regressions/<target>/ (crashes found before) is replayed first, one by
# one, and a failing one fails the run. Exit: 0 clean, 1 a target failed, 77 no clang/libFuzzer.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
source_dir=$repo build_dir="" bin_dir="" targets="" runs="" corpus_dir="" smoke=0 jobs=2
seconds=10 seconds_given=0
while (($#)); do
  case "$1" in
    --build-dir) build_dir=$2; shift 2 ;;
    --bin-dir) bin_dir=$2; shift 2 ;;
    --source) source_dir=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --corpus-dir) corpus_dir=$2; shift 2 ;;
    --smoke) smoke=1; shift ;;
    --skip-known) export NVRUNC_FUZZ_SKIP_KNOWN=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    [0-9]*) seconds=$1; seconds_given=1; shift ;;
    *) echo "run.sh: unknown argument \`$1\` (see --help)" >&2; exit 2 ;;
  esac
done

if [[ -z $build_dir ]]; then
  if [[ -n $bin_dir ]]; then build_dir=$(dirname "$bin_dir"); else build_dir=$repo/build-fuzz; fi
fi
mkdir -p "$build_dir"

skip() { echo "SKIP: $*" >&2; exit 77; }

# libFuzzer ships with clang's runtime (Debian: clang, libclang-rt-dev).
have_libfuzzer() {
  local probe
  probe=$(mktemp -d) || return 1
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$probe/p.cpp"
  clang++ -fsanitize=fuzzer,address,undefined "$probe/p.cpp" -o "$probe/p" >/dev/null 2>&1
  local rc=$?
  rm -rf "$probe"
  return $rc
}

if [[ -z $bin_dir ]]; then
  command -v clang++ >/dev/null 2>&1 && command -v clang >/dev/null 2>&1 ||
    skip "clang is not installed (packaging/install-deps.sh --test)"
  have_libfuzzer || skip "clang cannot link libFuzzer with ASan/UBSan (install libclang-rt-dev)"
  # A build directory configured from another source tree would fuzz that tree's modules.
  if [[ -f $build_dir/CMakeCache.txt ]]; then
    configured=$(sed -n 's/^CMAKE_HOME_DIRECTORY:INTERNAL=//p' "$build_dir/CMakeCache.txt")
    if [[ $(cd "$configured" 2>/dev/null && pwd -P) != $(cd "$source_dir" && pwd -P) ]]; then
      echo "run.sh: $build_dir was configured from \`$configured\`, not \`$source_dir\`: use another --build-dir" >&2
      exit 1
    fi
  fi
  if [[ ! -f $build_dir/CMakeCache.txt ]]; then
    cmake -S "$source_dir" -B "$build_dir" -DNVRUNC_FUZZ=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ >"$build_dir/configure.log" 2>&1 ||
      { cat "$build_dir/configure.log" >&2; echo "run.sh: configure failed" >&2; exit 1; }
  fi
  cmake --build "$build_dir" --target nvrunc_fuzz -j "$jobs" >"$build_dir/fuzz-build.log" 2>&1 ||
    { tail -40 "$build_dir/fuzz-build.log" >&2; echo "run.sh: build failed" >&2; exit 1; }
  bin_dir=$build_dir/fuzz-bin
fi
[[ -d $bin_dir ]] || { echo "run.sh: no fuzz targets in $bin_dir" >&2; exit 1; }

if [[ -z $targets ]]; then
  for f in "$bin_dir"/fuzz_*; do [[ -x $f ]] && targets+=" ${f##*/fuzz_}"; done
fi
[[ -n $targets ]] || { echo "run.sh: no fuzz targets in $bin_dir" >&2; exit 1; }

work=$(mktemp -d /tmp/nvrunc-fuzz-XXXXXX)
trap 'rm -rf "$work"' EXIT
if ((smoke)); then corpus_dir=$work/corpus; elif [[ -z $corpus_dir ]]; then corpus_dir=$build_dir/corpus; fi
artifacts=$build_dir/fuzz-artifacts
mkdir -p "$artifacts"

failed=()
for t in $targets; do
  exe=$bin_dir/fuzz_$t
  [[ -x $exe ]] || { echo "run.sh: fuzz_$t was not built" >&2; failed+=("$t"); continue; }
  seeds=$here/corpus/$t regressions=$here/regressions/$t
  mkdir -p "$corpus_dir/$t"
  opts=(-timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -error_exitcode=1 -artifact_prefix="$artifacts/$t-")
  [[ -f $here/dict/$t.dict ]] && opts+=(-dict="$here/dict/$t.dict")

  # 1. Every crash found so far, one by one.
  if compgen -G "$regressions/*" >/dev/null; then
    if ! "$exe" "${opts[@]}" "$regressions"/* >"$work/$t.replay.log" 2>&1; then
      tail -30 "$work/$t.replay.log" >&2
      echo "FAIL fuzz_$t: a regression input fails again ($regressions)" >&2
      failed+=("$t")
      continue
    fi
  fi
  # 2. Fuzzing from the seeds (and what earlier runs found).
  limit=(-max_total_time="$seconds")
  if [[ -n $runs ]]; then
    limit=(-runs="$runs")
    ((seconds_given)) && limit+=(-max_total_time="$seconds")
  fi
  dirs=("$corpus_dir/$t")
  [[ -d $seeds ]] && dirs+=("$seeds")
  [[ -d $regressions ]] && dirs+=("$regressions")
  start=$(date +%s)
  "$exe" "${opts[@]}" "${limit[@]}" "${dirs[@]}" >"$work/$t.log" 2>&1
  rc=$?
  took=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/$t.log" | tail -1)
  cov=$(grep -o 'cov: [0-9]*' "$work/$t.log" | tail -1)
  if ((rc != 0)); then
    tail -40 "$work/$t.log" >&2
    echo "FAIL fuzz_$t: exit $rc after ${execs:-?} executions; input saved under $artifacts/$t-*" >&2
    echo "     minimise: $exe -minimize_crash=1 -runs=100000 <crash file>; then add it to $regressions/" >&2
    failed+=("$t")
  else
    printf 'ok   fuzz_%-10s %10s executions in %4ss, %s, corpus %s inputs\n' "$t" "${execs:-?}" "$took" "${cov:-cov: ?}" \
      "$(find "$corpus_dir/$t" -type f | wc -l)"
  fi
done

if ((${#failed[@]})); then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: every target ran clean"
