# Helpers of the hardening tests (hostile_test.sh, faults_test.sh): sourced after lib.sh.

# tree_snapshot DIR: one line per entry under DIR (and DIR itself): path, type, mode, owner, size,
# link target, mtime in ns and, for regular files, a SHA-256. Any file or link created, removed,
# renamed, written, chmod-ed or touched (even a temporary file created and removed again: the
# directory's mtime moves) changes the output.
tree_snapshot() {
  local dir=$1
  (cd "$dir" && find . -printf '%p|%y|%m|%u:%g|%s|%l|%T@\n' | LC_ALL=C sort
   find . -type f -print0 | LC_ALL=C sort -z | xargs -0 -r sha256sum)
}

# bundle_snapshot BUNDLE: config.json's checksum and the bundle directory's entries (no rootfs; not the
# directory's own mtime, which a temporary file created and removed again moves): what "the bundle is
# as it was" means.
bundle_snapshot() {
  local b=$1
  sha256sum <"$b/config.json" 2>/dev/null
  (cd "$b" && find . -mindepth 1 -maxdepth 1 ! -name rootfs -printf '%p|%y|%m|%s|%T@\n' | LC_ALL=C sort)
}

# noop_runtime PATH [SLEEP]: a low-level runtime that accepts every command and does nothing (after
# SLEEP seconds when given); it records its argv in PATH.log.
noop_runtime() {
  local path=$1 nap=${2:-}
  printf '#!/bin/sh\n%secho "$@" >>%q.log\nexit 0\n' "${nap:+sleep $nap; }" "$path" >"$path"
  chmod 755 "$path"
}

# config_with_runtime NODE_CONFIG OUT RUNTIME...: the node's config.toml with [nvrunc] runtimes set.
config_with_runtime() {
  local in=$1 out=$2 list="" r; shift 2
  for r in "$@"; do list+="${list:+, }\"$r\""; done
  # The node's file ends in its [nvrunc] table: a line appended there belongs to it.
  { cat "$in"; printf 'runtimes = [%s]\n' "$list"; } >"$out"
}

# one_line_refusal NAME RC OUT ERR: exit 1, stdout empty, exactly one line on stderr.
one_line_refusal() {
  local name=$1 rc=$2 out=$3 err=$4
  check_eq "$name: exit 1" 1 "$rc"
  check_eq "$name: nothing on stdout" "" "$out"
  check_eq "$name: one line on stderr" 1 "$(printf '%s' "$err" | grep -c '')"
  check_contains "$name: the line is nvrunc's" "$err" "nvrunc"
}
