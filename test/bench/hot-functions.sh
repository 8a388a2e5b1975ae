#!/usr/bin/env bash
# Regenerates cmake/hot-functions.order: the functions that nvrunc and nvrunc-hook run on the paths
# every container takes (create on a GPU node, first pass and steady state, create without a GPU,
# the pass-through commands, the hook). The portable build links nvrunc and nvrunc-hook with lld
# and this list as --symbol-ordering-file, so that those functions sit together at the start of
# .text: a run then maps a few 64 KiB windows of code instead of dozens, and every page fault costs
# microseconds (cmake/NvruncTargets.cmake; figures in test/bench/RESULTS.md).
#
#   sudo test/bench/run.sh --quick --keep && sudo test/bench/hot-functions.sh [--scratch DIR]
#
# It replays the cases of the benchmark's scratch directory (default /run/nvrunc-bench, as --keep
# leaves it) once each under valgrind's callgrind, which records every function a run enters; for
# nvrunc, up to its execve of the low-level runtime (--dump-before=execve). The list holds mangled
# names, those most cases share first. A stale list costs only speed: names the linker no longer
# finds are skipped (the packaging.hot_functions test says when too many are).
# Needs valgrind. Regenerate after large changes to the create path or a compiler upgrade.
set -euo pipefail
export LC_ALL=C # the same order everywhere

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
W=${NVRUNC_BENCH_DIR:-/run/nvrunc-bench}
out=$repo/cmake/hot-functions.order
while (($#)); do
  case "$1" in
    --scratch) W=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    -h|--help) awk 'NR > 1 && !/^#/ { exit } NR > 1 { sub(/^# ?/, ""); print }' "$0"; exit 0 ;;
    *) echo "hot-functions: unknown argument \`$1\` (see --help)" >&2; exit 2 ;;
  esac
done
command -v valgrind >/dev/null || { echo "hot-functions: needs valgrind (apt-get install valgrind)" >&2; exit 1; }
for f in cases-create.tsv hook-cases.tsv; do
  [[ -f $W/$f ]] || { echo "hot-functions: no $W/$f: run test/bench/run.sh --quick --keep first" >&2; exit 1; }
done

tmp=$(mktemp -d)
trap '[[ -n ${KEEP_TMP:-} ]] || rm -rf "$tmp"' EXIT
# One case line of the bench timer's format (timer.c): NAME RESTORE STDIN ENV ARGV... (TAB-separated).
replay() {
  local name=$1 restore=$2 input=$3 env=$4; shift 4
  case $name in noop | ldconfig-alone | life-*) return ;; esac
  [[ $restore == - ]] || cp "${restore%%>*}" "${restore#*>}"
  [[ $input == - ]] && input=/dev/null
  local vars=()
  [[ $env == - ]] || IFS=';' read -r -a vars <<<"$env"
  # Once as it is first, so that the profile shows the usual path (the inventory snapshot written).
  env "${vars[@]}" "$@" <"$input" >/dev/null 2>&1 || true
  [[ $restore == - ]] || cp "${restore%%>*}" "${restore#*>}"
  env "${vars[@]}" valgrind --tool=callgrind --demangle=no --dump-before=execve \
    --callgrind-out-file="$tmp/$name.%p.out" "$@" <"$input" >/dev/null 2>"$tmp/$name.log" || true
  # Every dump (before an execve, or at exit; the hook's forked ldconfig child has its own pid) of
  # this case, as one list of the names it entered.
  { cat "$tmp/$name".*.out* 2>/dev/null | sed -n "s/^c\?fn=([0-9]*) //p" | sed "s/'[0-9]*\$//" |
    grep -v -e '^(below main)' -e '^0x' | sort -u >"$tmp/$name.names"; } || true
  if [[ ! -s $tmp/$name.names ]]; then
    echo "hot-functions: case $name recorded nothing; valgrind said:" >&2
    cat "$tmp/$name.log" >&2
    exit 1
  fi
  echo "  $name: $(wc -l <"$tmp/$name.names") functions" >&2
}
while IFS=$'\t' read -r -a c; do replay "${c[@]}"; done < <(cat "$W/cases-create.tsv" "$W/hook-cases.tsv")

cases=$(ls "$tmp"/*.names | wc -l)
# Start-up code that every process runs but valgrind never shows: it applies the IFUNC relocations
# itself, answers cpuid as another vendor and gives no vDSO, so glibc's resolvers, its AMD cache
# probe and the vDSO's link map are run outside the profile. Found by stopping a static nvrunc
# under gdb at every function before main and comparing with callgrind (glibc 2.36, Debian 12).
startup_unseen() {
  cat <<'NAMES'
_start
__libc_start_main
__libc_start_call_main
_init
frame_dummy
register_tm_clones
handle_amd
_dl_new_object
__calloc
_dl_setup_hash
_dl_add_to_namespace_list
___pthread_mutex_lock
___pthread_mutex_unlock
__pthread_mutex_unlock_usercnt
_dl_lookup_symbol_x
do_lookup_x
check_match
strcmp
__new_memcpy_ifunc
__libc_memmove_ifunc
__mempcpy_ifunc
memset_ifunc
memcmp_ifunc
memchr_ifunc
__rawmemchr_ifunc
strlen_ifunc
__strnlen_ifunc
strchr_ifunc
__strchrnul_ifunc
strrchr_ifunc
strcpy_ifunc
__stpcpy_ifunc
__stpncpy_ifunc
strncmp_ifunc
__strcasecmp_l_ifunc
__strncasecmp_l_ifunc
__libc_strstr_ifunc
strcspn_ifunc
strspn_ifunc
__wmemchr_ifunc
__wmemset_ifunc
__wcslen_ifunc
__wcsnlen_ifunc
__wcscmp_ifunc
__wcschr_ifunc
NAMES
}
# Most-shared first (start-up, then the create path, then one case's own), then by name.
{ startup_unseen; cat "$tmp"/*.names | sort | uniq -c | sort -k1,1nr -k2,2 | awk '{ print $2 }'; } |
  awk '!seen[$0]++' >"$tmp/hot"
# GCC moves the unlikely blocks of a function (those that end in a cold call such as fail()) into
# a part of its own, NAME.cold, which callgrind counts as NAME. Some run on the usual path all the
# same (a lookup's not-found, propagated as an error): the parts of the listed functions follow
# the list, so that they too sit next to the hot code and not somewhere in the rest of .text.
nm --defined-only "$W/bin/nvrunc" "$W/bin/nvrunc-hook" 2>/dev/null | awk '{ print $NF }' | grep '\.cold$' | sort -u >"$tmp/cold" || true
{
  echo "# nvrunc's hot functions, for lld --symbol-ordering-file (cmake/NvruncTargets.cmake)."
  echo "# Generated by test/bench/hot-functions.sh from $cases benchmark cases; do not edit by hand."
  cat "$tmp/hot"
  awk 'NR == FNR { cold[$1] = 1; next } ($1 ".cold") in cold { print $1 ".cold" }' "$tmp/cold" "$tmp/hot"
} >"$out"
echo "hot-functions: $(grep -vc '^#' "$out") functions written to $out" >&2
