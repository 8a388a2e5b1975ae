#!/usr/bin/env bash
# Every refusal: exit 1, one line on stderr, the same message as the last "error" line of runc's
# --log in the requested format, config.json byte for byte as it was, runc not started.
source "$(dirname "$0")/lib.sh"
need_root
need_tool runc
need_tool jq
need_tool busybox
scratch_init
make_node "$SCRATCH/node" 2 || exit 1

# expect_refusal NAME EXPECTED_MESSAGE_PART BUNDLE [extra env assignments for nvrunc]
expect_refusal() {
  local name=$1 expect=$2 bundle=$3; shift 3
  local format
  for format in json text; do
    local log=$SCRATCH/$name.$format.log before=$SCRATCH/$name.before
    printf '{"level":"info","msg":"earlier runc line","time":"2026-01-01T00:00:00Z"}\n' >"$log"
    [[ $format == text ]] && printf 'time="2026-01-01T00:00:00Z" level=info msg="earlier runc line"\n' >"$log"
    [[ -f $bundle/config.json ]] && cp -p "$bundle/config.json" "$before"
    env "$@" "$NVRUNC" --root "$RUNC_ROOT" --log "$log" --log-format "$format" create --bundle "$bundle" \
      "$name-$format" >"$SCRATCH/out" 2>"$SCRATCH/err"
    local rc=$? err
    err=$(cat "$SCRATCH/err")
    check_eq "$name/$format: exit 1" 1 "$rc"
    check_eq "$name/$format: nothing on stdout" "" "$(cat "$SCRATCH/out")"
    check_eq "$name/$format: one line on stderr" 1 "$(wc -l <"$SCRATCH/err")"
    check_contains "$name/$format: stderr says why" "$err" "$expect"
    local last
    if [[ $format == json ]]; then
      check "$name/$format: every log line is JSON" jq -e . "$log" >/dev/null
      last=$(tail -1 "$log")
      check_eq "$name/$format: last line is the error" error "$(jq -r .level <<<"$last")"
      check_eq "$name/$format: log msg equals stderr" "$err" "$(jq -r .msg <<<"$last")"
      check "$name/$format: RFC 3339 time" grep -Eq '"time":"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2})"' <<<"$last"
    else
      last=$(tail -1 "$log")
      check_contains "$name/$format: last line is a logrus error" "$last" "level=error msg=\""
      check_contains "$name/$format: text msg" "$last" "$expect"
    fi
    if [[ -f $before ]]; then check "$name/$format: config.json unchanged" cmp -s "$before" "$bundle/config.json"; fi
    check_eq "$name/$format: runc not started" "" "$(runc --root "$RUNC_ROOT" list -q)"
  done
}

B=$SCRATCH/unknown-index
make_bundle "$B" true NVIDIA_VISIBLE_DEVICES=0,7
expect_refusal unknown-index 'unknown GPU `7`' "$B"

B=$SCRATCH/unknown-uuid
make_bundle "$B" true NVIDIA_VISIBLE_DEVICES=GPU-00000000-dead-beef-0000-000000000000
expect_refusal unknown-uuid 'unknown GPU `GPU-00000000-dead-beef-0000-000000000000`' "$B"

B=$SCRATCH/bad-capability
make_bundle "$B" true NVIDIA_VISIBLE_DEVICES=0 NVIDIA_DRIVER_CAPABILITIES=compute,gaming
expect_refusal bad-capability 'unsupported driver capability `gaming`' "$B"

B=$SCRATCH/bad-json
mkdir -p "$B/rootfs"
printf '{"ociVersion": "1.0.2", "process": {' >"$B/config.json"
expect_refusal bad-json 'invalid JSON' "$B"

expect_refusal missing-bundle 'no such directory' "$SCRATCH/does-not-exist"

B=$SCRATCH/no-driver
make_bundle "$B" true NVIDIA_VISIBLE_DEVICES=all
mkdir -p "$SCRATCH/empty-node/proc"
printf '[nvrunc]\ndriver-root = "%s"\nproc-root = "%s"\n' "$SCRATCH/empty-node" "$SCRATCH/empty-node/proc" >"$SCRATCH/empty.toml"
expect_refusal no-driver 'no NVIDIA driver is loaded' "$B" NVRUNC_CONFIG="$SCRATCH/empty.toml"

# nvrunc is static and asks nvrunc-ctl for NVML facts (NVIDIA_REQUIRE_*, MIG ids): without a usable
# helper such a request is refused, never planned without the facts.
B=$SCRATCH/no-helper
make_bundle "$B" true NVIDIA_VISIBLE_DEVICES=0 'NVIDIA_REQUIRE_CUDA=cuda>=11.0'
printf '%s\nctl-path = "%s"\n' "$(cat "$NVRUNC_CONFIG")" "$SCRATCH/no-such/nvrunc-ctl" >"$SCRATCH/no-helper.toml"
expect_refusal no-helper "query NVML: helper \`$SCRATCH/no-such/nvrunc-ctl\` is not an executable file" "$B" \
  NVRUNC_CONFIG="$SCRATCH/no-helper.toml"

B=$SCRATCH/read-only
make_bundle "$B" true NVIDIA_VISIBLE_DEVICES=0
mount --bind "$B" "$B" && mount -o remount,bind,ro "$B"
expect_refusal read-only 'Read-only file system' "$B"
umount "$B"

B=$SCRATCH/broken-config
make_bundle "$B" true NVIDIA_VISIBLE_DEVICES=0
printf 'runtimes = [\n' >"$SCRATCH/broken.toml"
expect_refusal broken-config 'parse' "$B" NVRUNC_CONFIG="$SCRATCH/broken.toml"
echo "== a broken config does not stop commands other than create and run"
out=$(NVRUNC_CONFIG="$SCRATCH/broken.toml" "$NVRUNC" --root "$RUNC_ROOT" list -q 2>&1)
check_eq "list still works" 0 "$?"
check_eq "features still works" "$(runc features)" "$(NVRUNC_CONFIG="$SCRATCH/broken.toml" "$NVRUNC" features)"

echo "== never exec itself"
printf '[nvidia-container-runtime]\nruntimes = ["%s", "runc"]\n' "$NVRUNC" >"$SCRATCH/self.toml"
check_eq "a runtimes entry that is nvrunc is skipped" "$(runc --version)" \
  "$(NVRUNC_CONFIG="$SCRATCH/self.toml" "$NVRUNC" --version | tail -n +2)"
printf '[nvidia-container-runtime]\nruntimes = ["%s"]\n' "$NVRUNC" >"$SCRATCH/only-self.toml"
err=$(NVRUNC_CONFIG="$SCRATCH/only-self.toml" "$NVRUNC" state x 2>&1)
check_contains "only nvrunc itself: a clear error" "$err" "that is nvrunc itself"

finish
