#!/usr/bin/env bash
# nvrunc-ctl runtime configure for CRI-O and Docker, through the command line (the engines' own
# daemons are not needed: what they would read is checked in the files): the handler lands where the
# engine reads it, the user's settings and comments stay, a second run changes nothing, the original
# is kept, --dry-run writes nothing, and a file that does not parse is refused untouched.
source "$(dirname "$0")/lib.sh"
need_tool jq
scratch_init
cd "$SCRATCH" || exit 1
BIN=/usr/local/nvrunc/bin/nvrunc
configure() { "$NVRUNC_CTL" runtime configure --binary "$BIN" "$@" 2>&1; }

echo "== CRI-O: a drop-in copied from the default runtime"
mkdir -p crio.conf.d
printf '# my crio\n[crio.runtime]\ndefault_runtime = "runc"\n[crio.runtime.runtimes.runc]\nruntime_path = "/usr/sbin/runc"\nmonitor_env = ["A=1"]\n' >crio.conf
cp crio.conf crio.orig
out=$(configure --runtime crio --config crio.conf --drop-in crio.conf.d/99-nvrunc.conf)
rc=$?
echo "$out" | sed 's/^/    | /'
check_eq "exit status" 0 "$rc"
drop=$(cat crio.conf.d/99-nvrunc.conf)
check_contains "the handler's table" "$drop" "[crio.runtime.runtimes.nvidia]"
check_contains "runtime_path" "$drop" "runtime_path = \"$BIN\""
check_contains "runtime_type oci" "$drop" 'runtime_type = "oci"'
check_contains "runc's options copied" "$drop" 'monitor_env = ["A=1"]'
check "crio.conf is untouched" cmp -s crio.orig crio.conf
check_eq "no backup inside crio.conf.d (CRI-O would read it)" "99-nvrunc.conf" "$(ls -A crio.conf.d | tr '\n' ' ' | sed 's/ $//')"
cp crio.conf.d/99-nvrunc.conf crio.first
out=$(configure --runtime crio --config crio.conf --drop-in crio.conf.d/99-nvrunc.conf)
check_contains "a second run: nothing to do" "$out" "nothing to do"
check "and the drop-in is byte for byte the same" cmp -s crio.first crio.conf.d/99-nvrunc.conf
out=$(configure --runtime crio --config crio.conf --drop-in crio.conf.d/99-nvrunc.conf --set-as-default --dry-run 2>/dev/null)
check_contains "--set-as-default --dry-run prints default_runtime" "$out" 'default_runtime = "nvidia"'
check "and writes nothing" cmp -s crio.first crio.conf.d/99-nvrunc.conf

echo "== Docker: daemon.json runtimes"
printf '{\n  "log-level": "warn",\n  "exec-opts": ["native.cgroupdriver=systemd"]\n}\n' >daemon.json
cp daemon.json daemon.orig
out=$(configure --runtime docker --config daemon.json --dry-run 2>/dev/null)
check_contains "--dry-run prints the runtime" "$out" "\"path\": \"$BIN\""
check "--dry-run writes nothing" cmp -s daemon.orig daemon.json
out=$(configure --runtime docker --config daemon.json)
rc=$?
echo "$out" | sed 's/^/    | /'
check_eq "exit status" 0 "$rc"
check_eq "the user's keys stay, the runtime is added" \
  '{"log-level":"warn","exec-opts":["native.cgroupdriver=systemd"],"runtimes":{"nvidia":{"path":"'"$BIN"'"}}}' \
  "$(jq -c . daemon.json)"
check "the original is kept" cmp -s daemon.orig daemon.json.nvrunc.bak
cp daemon.json daemon.first
out=$(configure --runtime docker --config daemon.json)
check_contains "a second run: nothing to do" "$out" "nothing to do"
check "and the file is byte for byte the same" cmp -s daemon.first daemon.json
out=$(configure --runtime docker --config daemon.json --set-as-default --enable-cdi)
check_eq "--set-as-default --enable-cdi" 'nvidia true' "$(jq -r '."default-runtime", .features.cdi' daemon.json | tr '\n' ' ' | sed 's/ $//')"
check "the backup is still the first original" cmp -s daemon.orig daemon.json.nvrunc.bak

echo "== a file that does not parse is refused and left untouched"
printf '{"runtimes": {\n' >bad.json
cp bad.json bad.orig
out=$(configure --runtime docker --config bad.json)
rc=$?
echo "$out" | sed 's/^/    | /'
check_eq "exit status 1" 1 "$rc"
check_contains "names the file" "$out" "parse \`$SCRATCH/bad.json\`"
check_contains "says nothing was written" "$out" "(nothing was written)"
check "the file is untouched" cmp -s bad.orig bad.json
check "no backup" test ! -e bad.json.nvrunc.bak

finish
