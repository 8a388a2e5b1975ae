#!/usr/bin/env bash
# Hostile images (issue 6): real runc containers through nvrunc on a simulated 2-GPU node, each with
# something in the image that tries to make nvrunc, the hook or the host ldconfig write outside the
# container rootfs or run image code on the host. Each case is refused or neutralised, and a sentinel
# directory on the host (the target of every hostile link) is checked entry by entry, checksum and
# mtime, after every case: nothing may be created, changed or even touched in it.
source "$(dirname "$0")/lib.sh"
source "$(dirname "$0")/hard_lib.sh"
need_root
need_tool runc
need_tool busybox
need_tool python3
need_tool cc
scratch_init
make_node "$SCRATCH/node" 2 || exit 1
NODE=$SCRATCH/node
LIBDIR=usr/lib/x86_64-linux-gnu

# The host side: what hostile links point at. It exists on the host (so a write that followed a link
# on the host would land here) but not inside the rootfs.
S=$SCRATCH/host-sentinel
mkdir -p "$S"/{lib,bin,etc/ld.so.conf.d,compat,pwned}
echo "host library" >"$S/lib/libhost.so.1"
echo "host binary" >"$S/bin/host-tool"
echo "host conf" >"$S/etc/ld.so.conf.d/host.conf"
echo "host cache" >"$S/etc/ld.so.cache"
echo "include host" >"$S/etc/ld.so.conf"
echo "not really a library" >"$S/compat/libcuda.so.999.1.1"
ln -s libcuda.so.999.1.1 "$S/compat/libcuda.so.1"
MISSING=$SCRATCH/host-missing # a host path that must never come into existence
BEFORE=$(tree_snapshot "$S")

sentinel_intact() { # sentinel_intact CASE
  check_eq "$1: the host sentinel is untouched" "$BEFORE" "$(tree_snapshot "$S")"
  check "$1: no host path was created through a dangling link" test ! -e "$MISSING"
}

TEMPLATE=$SCRATCH/template
make_rootfs "$TEMPLATE"

# new_bundle NAME SCRIPT [ENV...]: a bundle whose rootfs is a copy of the template.
new_bundle() {
  local b=$SCRATCH/$1 script=$2; shift 2
  rm -rf "$b"
  mkdir -p "$b"
  cp -a "$TEMPLATE" "$b/rootfs"
  make_bundle "$b" "$script" "$@"
  B=$b
}

# run_case NAME: runs bundle $B through nvrunc (the container's exit status in RC, its output and
# nvrunc's errors in OUT), then removes the container and checks the sentinel.
run_case() {
  local name=$1
  OUT=$(timeout 60 "$NVRUNC" --root "$RUNC_ROOT" run -b "$B" "$name" 2>&1)
  RC=$?
  echo "$OUT" | sed 's/^/    | /'
  runc --root "$RUNC_ROOT" delete -f "$name" >/dev/null 2>&1
  sentinel_intact "$name"
}

# A library directory, /usr/bin, /etc/ld.so.conf.d, /etc/ld.so.cache, /etc/ld.so.conf, /etc and
# /usr/local/cuda/compat redirected to the host, by an absolute link and by a `..` climb. The link is
# resolved inside the rootfs (runc for the mounts, os::RootDir for the hook, chroot for ldconfig), so
# the container still gets its GPU and libraries: the attack is neutralised, not just refused.
UP=../../../../../../../../../../../..
# A directory link is kept (followed inside the root); a file the hook or ldconfig rewrites (the cache,
# ld.so.conf) is replaced by a new file inside the root (rename over the link, never through it).
hostile_link() { # hostile_link CASE PATH-IN-ROOTFS TARGET EXPECT-IN-OUTPUT [replaced]
  local name=$1 path=$2 target=$3 expect=$4 replaced=${5:-}
  echo "== $name: /$path -> $target"
  new_bundle "$name" 'nvrunc-probe libs; nvidia-smi -L' NVIDIA_VISIBLE_DEVICES=0
  rm -rf "${B:?}/rootfs/$path"
  mkdir -p "$(dirname "$B/rootfs/$path")"
  ln -s "$target" "$B/rootfs/$path"
  run_case "$name"
  check_eq "$name: the container runs" 0 "$RC"
  check_contains "$name: and uses its GPU" "$OUT" "$expect"
  if [[ $replaced ]]; then
    check "$name: the link was replaced by a file inside the rootfs" test -f "$B/rootfs/$path" -a ! -L "$B/rootfs/$path"
  else
    check "$name: the link in the image is kept" test -L "$B/rootfs/$path"
    check_eq "$name: and still points where the image said" "$target" "$(readlink "$B/rootfs/$path")"
  fi
}
CUDA="cuda.count=1"
SMI="GPU 0: NVIDIA"
hostile_link libdir-abs "$LIBDIR" "$S/lib" "$CUDA"
hostile_link libdir-climb "$LIBDIR" "$UP$S/lib" "$CUDA"
hostile_link libdir-missing "$LIBDIR" "$MISSING/lib" "$CUDA"
hostile_link usrbin-abs usr/bin "$S/bin" "$SMI"
hostile_link usrbin-climb usr/bin "$UP$S/bin" "$SMI"
hostile_link confd-abs etc/ld.so.conf.d "$S/etc/ld.so.conf.d" "$CUDA"
hostile_link confd-climb etc/ld.so.conf.d "$UP$S/etc/ld.so.conf.d" "$CUDA"
hostile_link cache-abs etc/ld.so.cache "$S/etc/ld.so.cache" "$CUDA" replaced
hostile_link cache-climb etc/ld.so.cache "$UP$S/etc/ld.so.cache" "$CUDA" replaced
hostile_link cache-missing etc/ld.so.cache "$MISSING/ld.so.cache" "$CUDA" replaced
hostile_link conf-abs etc/ld.so.conf "$S/etc/ld.so.conf" "$CUDA" replaced
# A whole /etc elsewhere: the image is then not recognised as Debian (no /etc/debian_version inside
# the root), so its libraries go to /usr/lib64; the probe still finds them by SONAME.
hostile_link etc-abs etc "$S/etc" "$CUDA"
hostile_link etc-climb etc "$UP$S/etc" "$CUDA"

echo "== /usr/local/cuda/compat -> host paths: the host's files are never read as the image's"
# The host directory holds a libcuda.so newer than the driver: were the link followed on the host,
# nvrunc would put /usr/local/cuda/compat first in the container's ld.so.conf.d.
compat_fragment() { cat "$B/rootfs/etc/ld.so.conf.d/00-nvrunc.conf" 2>/dev/null; }
compat_n=0
for target in "$S/compat" "$UP$S/compat" "/proc/self/cwd/..$S/compat"; do
  name=compat-$(( ++compat_n ))
  new_bundle "$name" 'nvrunc-probe libs' NVIDIA_VISIBLE_DEVICES=0
  mkdir -p "$B/rootfs/usr/local/cuda"
  ln -s "$target" "$B/rootfs/usr/local/cuda/compat"
  run_case "$name"
  check_eq "$name ($target): the container runs" 0 "$RC"
  check_not_contains "$name: no compat directory in ld.so.conf.d" "$(compat_fragment)" "/usr/local/cuda/compat"
  check_not_contains "$name: nothing of the sentinel in config.json" "$(cat "$B/config.json")" "$S"
  check_not_contains "$name: nothing mounted from the image's compat" "$(cat "$B/config.json")" '"source": "/usr/local/cuda'
done
echo "== control: a real compat directory inside the image is used (the check above can fail)"
new_bundle compat-real 'true' NVIDIA_VISIBLE_DEVICES=0
mkdir -p "$B/rootfs/usr/local/cuda/compat"
cp "$S/compat/libcuda.so.999.1.1" "$B/rootfs/usr/local/cuda/compat/"
run_case compat-real
check_eq "compat-real: the container runs" 0 "$RC"
check_contains "compat-real: compat comes first in ld.so.conf.d" "$(compat_fragment | head -1)" "/usr/local/cuda/compat"

echo "== a symlink swapped in while containers are created (race)"
# A process on the host (standing in for another container sharing the rootfs, or a slow image
# unpacker) flips the directories the hook and runc write into between the real directory and a link
# to the host sentinel, as fast as it can, while containers are created one after another.
new_bundle race 'true' NVIDIA_VISIBLE_DEVICES=0
python3 - "$B/rootfs" "$S" "$SCRATCH/race.stop" <<'PY' &
import os, sys
root, sentinel, stop = sys.argv[1:]
targets = [("usr/lib/x86_64-linux-gnu", sentinel + "/lib"), ("etc/ld.so.conf.d", sentinel + "/etc/ld.so.conf.d"),
           ("usr/bin", sentinel + "/bin"), ("etc", "../../../../../../../.." + sentinel + "/etc")]
flips = 0
while not os.path.exists(stop):
    for rel, target in targets:
        path = os.path.join(root, rel)
        aside = path + ".real"
        try:
            os.rename(path, aside)
            os.symlink(target, path)
            os.unlink(path)
            os.rename(aside, path)
            flips += 1
        except OSError:
            pass
print(flips, file=open(stop + ".count", "w"))
PY
racer=$!
ok=0 refused=0
for i in $(seq 1 25); do
  if timeout 60 "$NVRUNC" --root "$RUNC_ROOT" run -b "$B" "race-$i" >"$SCRATCH/race.out" 2>&1; then
    ok=$((ok + 1))
  else
    refused=$((refused + 1))
  fi
  runc --root "$RUNC_ROOT" delete -f "race-$i" >/dev/null 2>&1
done
touch "$SCRATCH/race.stop"
wait "$racer"
echo "    25 containers: $ok ran, $refused failed; $(cat "$SCRATCH/race.stop.count") flips"
check "race: the swapper really ran" test "$(cat "$SCRATCH/race.stop.count")" -gt 100
# runc before 1.2.8 creates a bind mount's missing target through a symlink swapped in at the right
# moment (its own mount-target race, CVE-2025-31133 / CVE-2025-52565): an empty file of mode 0755
# named like a mount destination appears in the sentinel's lib/ or bin/ (the library directory and
# /usr/bin are both flipped; the first run that met it saw lib/, a later one bin/nvidia-debugdump).
# That file is runc's, not nvrunc's
# (whose writes are all resolved inside the rootfs); with such a runc it is reported, and every other
# change to the sentinel still fails the test. With a fixed runc the check is exact.
runc_version=$(runc --version | awk 'NR == 1 {print $3}')
if python3 -c 'import sys; v = [int(x) for x in sys.argv[1].split("+")[0].split("-")[0].split(".")[:3]]; sys.exit(0 if v < [1, 2, 8] else 1)' "$runc_version" 2>/dev/null; then
  after=$(tree_snapshot "$S")
  verdict=$(python3 - "$B/config.json" <<PY
import json, sys
before = """$BEFORE""".splitlines()
after = """$after""".splitlines()
# The sentinel directory each flipped container directory points at.
flipped = {"./lib/": "/usr/lib/x86_64-linux-gnu/", "./bin/": "/usr/bin/"}
dests = {m["destination"] for m in json.load(open(sys.argv[1])).get("mounts", [])}
def mount_target(path):  # a sentinel path that stands for a mount destination of the spec
    return any(path.startswith(s) and d + path[len(s):] in dests for s, d in flipped.items())
empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
runc_files, other = [], []
for line in sorted(set(after) - set(before)):
    f = line.split("|")
    if len(f) == 7 and mount_target(f[0]) and f[1:5] == ["f", "755", "root:root", "0"]:
        runc_files.append(f[0])
    elif line.startswith(empty + "  ") and mount_target(line.split("  ", 1)[1]):
        pass
    elif line.split("|", 1)[0] in ("./lib", "./bin") and any(b.rsplit("|", 1)[0] == line.rsplit("|", 1)[0] for b in before):
        pass  # only the directory's mtime moved, by runc's file
    else:
        other.append(line)
other += [line for line in sorted(set(before) - set(after))  # a directory whose mtime alone moved is not gone
          if not (line.split("|", 1)[0] in ("./lib", "./bin")
                  and any(a.rsplit("|", 1)[0] == line.rsplit("|", 1)[0] for a in after))]
print("other:" + ";".join(other) if other else "runc:" + " ".join(runc_files))
PY
)
  if [[ $verdict == runc:?* ]]; then
    echo "    WARNING: runc $runc_version created empty mount targets through the swapped link: ${verdict#runc:}" \
         "(runc's own race, fixed in runc 1.2.8); nothing else in the sentinel changed"
    pass "race: the host sentinel is untouched by nvrunc"
    check "race: no host path was created through a dangling link" test ! -e "$MISSING"
    BEFORE=$after
  else
    sentinel_intact race
  fi
else
  sentinel_intact race
fi

echo "== LD_PRELOAD, LD_LIBRARY_PATH and LD_AUDIT in the image's env (CVE-2025-23266)"
# poc.so records every process that loads it in $MARK, a host directory. Inside the container the same
# path leads into the rootfs, so the container's own shell loading it is visible there (the control:
# the library works and the env is really applied); the hook, the host ldconfig or nvrunc loading it
# would leave a file in the host directory.
MARK=$S/pwned
cat >"$SCRATCH/poc.c" <<EOF
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
static void mark(const char* how) {
  char comm[64] = "?", path[512];
  int fd = open("/proc/self/comm", O_RDONLY);
  if (fd >= 0) { ssize_t n = read(fd, comm, sizeof comm - 1); if (n > 0) comm[n - 1] = 0; close(fd); }
  snprintf(path, sizeof path, "$MARK/%s-%s-%d", how, comm, (int)getpid());
  fd = open(path, O_WRONLY | O_CREAT, 0644);
  if (fd >= 0) close(fd);
}
__attribute__((constructor)) static void loaded(void) { mark("preload"); }
unsigned int la_version(unsigned int v) { mark("audit"); return v; }
EOF
cc -shared -fPIC -o "$SCRATCH/poc.so" "$SCRATCH/poc.c" || { fail "build poc.so"; finish; }
BEFORE=$(tree_snapshot "$S") # unchanged: compiled outside the sentinel
preload_n=0
for variant in "LD_PRELOAD=/proc/self/cwd/poc.so" "LD_PRELOAD=/poc.so" \
               "LD_LIBRARY_PATH=/proc/self/cwd/evil:/evil LD_PRELOAD=libpoc.so" \
               "LD_AUDIT=/proc/self/cwd/poc.so" \
               "LD_PRELOAD=/proc/self/cwd/poc.so GLIBC_TUNABLES=glibc.rtld.optional_static_tls=1"; do
  name=preload-$(( ++preload_n ))
  echo "  -- $variant"
  # shellcheck disable=SC2086 # the variant is a list of assignments
  new_bundle "$name" 'ls /proc/self/ >/dev/null; ls '"$MARK"'; nvrunc-probe libs' NVIDIA_VISIBLE_DEVICES=0 $variant
  # A writable rootfs, so the container's own loading of poc.so can leave its mark (the control).
  python3 -c 'import json,sys; s=json.load(open(sys.argv[1])); s["root"]["readonly"]=False; json.dump(s,open(sys.argv[1],"w"),indent="\t")' "$B/config.json"
  cp "$SCRATCH/poc.so" "$B/rootfs/poc.so"
  mkdir -p "$B/rootfs/evil" "$B/rootfs$MARK"
  cp "$SCRATCH/poc.so" "$B/rootfs/evil/libpoc.so"
  run_case "$name"
  check_eq "$name: the container runs" 0 "$RC"
  # (No control for LD_AUDIT: the probe left no mark with it in the container either, not yet explained.)
  [[ $variant == LD_AUDIT* ]] ||
    check_contains "$name: the container's own probe did load it (control)" "$(ls "$B/rootfs$MARK")" "-nvrunc-probe-"
  check_contains "$name: and got their GPU" "$OUT" "$CUDA"
  check_eq "$name: nothing on the host loaded it" "" "$(ls "$MARK")"
done

echo "== huge and deeply nested config.json values"
# With a no-op low-level runtime: what matters is what nvrunc does with the document.
noop_runtime "$SCRATCH/noop"
config_with_runtime "$NODE/config.toml" "$SCRATCH/noop.toml" "$SCRATCH/noop"
edit_config() { # edit_config BUNDLE PYTHON: runs PYTHON with `spec` loaded, then saves it
  python3 - "$1/config.json" "$2" <<'PY'
import json, sys
path, code = sys.argv[1:]
spec = json.load(open(path))
exec(code)
json.dump(spec, open(path, "w"), indent="\t")
PY
}
# huge_case NAME PYTHON-EDIT: the result is a clean refusal (one line, bundle as it was) or a
# complete, valid config.json that kept the huge value and gained the GPU; never a crash or a hang.
huge_case() {
  local name=$1 edit=$2
  new_bundle "$name" true NVIDIA_VISIBLE_DEVICES=0
  edit_config "$B" "$edit" || { fail "$name: prepare"; return; }
  local before after start=$SECONDS
  before=$(bundle_snapshot "$B")
  cp "$B/config.json" "$SCRATCH/$name.orig"
  NVRUNC_CONFIG=$SCRATCH/noop.toml timeout 60 "$NVRUNC" create -b "$B" "$name" >"$SCRATCH/out" 2>"$SCRATCH/err"
  local rc=$?
  echo "    $name: exit $rc in $((SECONDS - start)) s, $(stat -c %s "$SCRATCH/$name.orig") bytes; $(head -c 300 "$SCRATCH/err")"
  check "$name: no crash or hang (exit 0 or 1)" test "$rc" -le 1
  if ((rc == 0)); then
    check "$name: config.json is valid JSON with the GPU" python3 -c '
import json, sys
spec, orig = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
assert any(d["path"] == "/dev/nvidia0" for d in spec["linux"]["devices"])
for k in orig:
    if k not in ("linux", "hooks", "mounts", "process"): assert spec[k] == orig[k], k
assert spec["process"]["env"][:len(orig["process"]["env"])] == orig["process"]["env"]' "$B/config.json" "$SCRATCH/$name.orig"
  else
    one_line_refusal "$name" "$rc" "$(cat "$SCRATCH/out")" "$(cat "$SCRATCH/err")"
    check_eq "$name: the bundle is as it was" "$before" "$(bundle_snapshot "$B")"
  fi
}
# 100000 levels (written as text: Python's json recurses): refused before any parser recursion.
new_bundle deep-100k true NVIDIA_VISIBLE_DEVICES=0
python3 - "$B/config.json" <<'PY2'
import sys
p = sys.argv[1]
text = open(p).read()
open(p, "w").write(text[:text.rindex("}")] + ', "x-deep": ' + "[" * 100000 + "]" * 100000 + "}\n")
PY2
before=$(bundle_snapshot "$B")
NVRUNC_CONFIG=$SCRATCH/noop.toml timeout 60 "$NVRUNC" create -b "$B" deep >"$SCRATCH/out" 2>"$SCRATCH/err"
rc=$?
echo "    deep-100k: exit $rc; $(head -c 300 "$SCRATCH/err")"
one_line_refusal "deep-100k" "$rc" "$(cat "$SCRATCH/out")" "$(cat "$SCRATCH/err")"
check_contains "deep-100k: says it is nested too deep" "$(cat "$SCRATCH/err")" "nested deeper than"
check_eq "deep-100k: the bundle is as it was" "$before" "$(bundle_snapshot "$B")"
huge_case deep-200 'v = {}
for _ in range(200): v = {"k": [v]}
spec["annotations"] = {"x-deep": json.dumps(v)}
spec["x-deep"] = v' # 401 levels: over the limit
huge_case deep-100 'v = {}
for _ in range(100): v = {"k": [v]}
spec["x-deep"] = v' # 201 levels: under the limit, kept as it was
huge_case annotation-64MiB 'spec["annotations"] = {"x-huge": "A" * (64 << 20)}'
huge_case env-100k 'spec["process"]["env"] += ["VAR%d=%s" % (i, "x" * 100) for i in range(100000)]'
huge_case devices-1MiB 'spec["process"]["env"] = [e for e in spec["process"]["env"] if not e.startswith("NVIDIA_")] + ["NVIDIA_VISIBLE_DEVICES=" + ",".join(["0"] * 500000)]'
huge_case string-escapes 'spec["annotations"] = {"x-esc": "\u0000\u001f\ud7ff\"\\\\/" * 100000, "\u2028key": "\U0001F600"}'
huge_case number-edges 'spec["x-num"] = [18446744073709551615, -9223372036854775808, 1e308, 0.1, 123456789012345678901234567890]'

echo "== device ids with odd characters: refused with one clear line, bundle untouched"
# odd_id NAME VALUE [KIND]: KIND env (NVIDIA_VISIBLE_DEVICES) or cdi (a cdi.k8s.io annotation).
odd_id() {
  local name=$1 value=$2 kind=${3:-env}
  new_bundle "$name" true
  python3 - "$B/config.json" "$value" "$kind" <<'PY'
import json, sys
path, value, kind = sys.argv[1:]
spec = json.load(open(path))
if kind == "env":
    spec["process"]["env"].append("NVIDIA_VISIBLE_DEVICES=" + value)
else:
    spec["annotations"] = {"cdi.k8s.io/odd": value}
json.dump(spec, open(path, "w"), indent="\t")
PY
  local before log=$SCRATCH/$name.log
  before=$(bundle_snapshot "$B")
  timeout 30 "$NVRUNC" --root "$RUNC_ROOT" --log "$log" --log-format json create -b "$B" "$name" \
    >"$SCRATCH/out" 2>"$SCRATCH/err"
  local rc=$? err
  err=$(cat "$SCRATCH/err")
  echo "    $name: $(head -c 200 "$SCRATCH/err" | cat -v)"
  one_line_refusal "$name" "$rc" "$(cat "$SCRATCH/out")" "$err"
  check "$name: no control characters in the line" python3 -c '
import sys; line = open(sys.argv[1], "rb").read().rstrip(b"\n")
sys.exit(any(c < 0x20 or c == 0x7f for c in line))' "$SCRATCH/err"
  check "$name: the line is short (at most 1 KiB)" test "$(stat -c %s "$SCRATCH/err")" -le 1024
  check "$name: the log file is JSON lines" python3 -c '
import json, sys
for l in open(sys.argv[1]): json.loads(l)' "$log"
  check_eq "$name: the bundle is as it was" "$before" "$(bundle_snapshot "$B")"
  check_eq "$name: no container" "" "$(runc --root "$RUNC_ROOT" list -q)"
  check "$name: no shell ran it" test ! -e "$SCRATCH/pwn"
}
odd_id newline $'0\n1'
odd_id newline-log-forgery $'7\ntime="2026-01-01T00:00:00Z" level=info msg="all fine"'
odd_id dotdot '../../../../dev/nvidia0'
odd_id dotdot-uuid 'GPU-../../../etc/passwd'
odd_id mig-dotdot 'MIG-../../x'
odd_id shell-subst "\$(touch $SCRATCH/pwn)"
odd_id shell-backtick "\`touch $SCRATCH/pwn\`"
odd_id shell-semicolon "0;touch $SCRATCH/pwn"
odd_id long "$(head -c 100000 /dev/zero | tr '\0' 'A')"
odd_id long-list "$(seq -s, 1000 20000)" # 114 KiB: one argv string may not pass 128 KiB
odd_id escape $'\e[31mred\e[0m\x7f\x01'
odd_id nul-like '0%00../x'
odd_id cdi-dotdot 'nvidia.com/gpu=../../../etc/passwd' cdi
odd_id cdi-newline $'nvidia.com/gpu=0\nnvidia.com/gpu=1x' cdi
odd_id cdi-shell "nvidia.com/gpu=\$(touch $SCRATCH/pwn)" cdi

finish
