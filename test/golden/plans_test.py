#!/usr/bin/env python3
"""Golden plans: what `nvrunc create` would do, for a table of requests on an 8-GPU simulated node
with MIG on GPUs 1 and 6 (`nvrunc-ctl mock-driver --dgx`), compared exactly with the files in
test/fixtures/plans/; and the CDI specs `nvrunc-ctl cdi generate` writes for the same node, compared
with test/fixtures/cdi-generate/. The plan comes from `nvrunc-ctl explain --json` (the code path `create`
uses, minus the write). Host-specific values are replaced by names before comparing: the node's
directory by $NODE, the bundle by $BUNDLE, and the dynamic majors the node picked on this host by
$<NAME>_MAJOR. Regenerate after an intended change with NVRUNC_UPDATE_GOLDEN=1 and review the diff.
Exit 77 (skipped) without root: building the node needs mknod."""
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, "..", "fixtures", "plans")
BIN = os.path.realpath(os.environ.get("NVRUNC_BIN", os.path.join(HERE, "..", "..", "build", "bin")))
CTL = os.path.join(BIN, "nvrunc-ctl")

# (case name, process.env, capabilities of the image: debian-like rootfs, a 32-bit dir, compat libcuda)
CASES = [
    ("index-0", ["NVIDIA_VISIBLE_DEVICES=0"]),
    ("uuid-gpu3-video", ["NVIDIA_VISIBLE_DEVICES=@UUID3", "NVIDIA_DRIVER_CAPABILITIES=video"]),
    ("bus-id-gpu5-utility", ["NVIDIA_VISIBLE_DEVICES=@BUS5", "NVIDIA_DRIVER_CAPABILITIES=utility"]),
    ("two-gpus-all-caps", ["NVIDIA_VISIBLE_DEVICES=7,2", "NVIDIA_DRIVER_CAPABILITIES=all"]),
    ("graphics-display-gpu4", ["NVIDIA_VISIBLE_DEVICES=4", "NVIDIA_DRIVER_CAPABILITIES=graphics,display"]),
    ("compat32", ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=compute,compat32"]),
    ("ngx", ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_DRIVER_CAPABILITIES=ngx"]),
    ("none", ["NVIDIA_VISIBLE_DEVICES=none"]),
    ("all", ["NVIDIA_VISIBLE_DEVICES=all"]),
    ("mig-pair-1-0", ["NVIDIA_VISIBLE_DEVICES=1:0"]),
    ("mig-uuid-gpu6", ["NVIDIA_VISIBLE_DEVICES=@MIG6"]),
    ("mig-and-gpu", ["NVIDIA_VISIBLE_DEVICES=1:1,0"]),
    ("features", ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_GDS=enabled", "NVIDIA_MOFED=enabled",
                  "NVIDIA_NVSWITCH=enabled", "NVIDIA_GDRCOPY=enabled"]),
    ("requirements-met", ["NVIDIA_VISIBLE_DEVICES=0", "NVIDIA_REQUIRE_CUDA=cuda>=12.0 brand=tesla",
                          "NVIDIA_REQUIRE_ARCH=arch>=8.0"]),
    ("requirements-unmet", ["NVIDIA_VISIBLE_DEVICES=3", "NVIDIA_REQUIRE_CUDA=cuda>=13.0"]),
    ("requirements-disabled", ["NVIDIA_VISIBLE_DEVICES=3", "NVIDIA_REQUIRE_CUDA=cuda>=13.0",
                               "NVIDIA_DISABLE_REQUIRE=true"]),
    ("legacy-image", ["CUDA_VERSION=12.2.0"]),
    ("unknown-index", ["NVIDIA_VISIBLE_DEVICES=8"]),
    ("unknown-mig", ["NVIDIA_VISIBLE_DEVICES=1:9"]),
    ("nothing", ["PATH=/bin"]),
]


# `nvrunc-ctl cdi generate --format json` on the same node, compared with test/fixtures/cdi-generate/.
GENERATE_FIXTURES = os.path.join(HERE, "..", "fixtures", "cdi-generate")
GENERATE_CASES = [
    ("default", []),
    ("type-index-compute", ["--device-name-strategy", "type-index", "--driver-capabilities", "utility,compute"]),
    ("vendor-class-no-all", ["--vendor", "example.com", "--class", "accel", "--device-name-strategy", "index",
                             "--no-all-device", "--driver-capabilities", "graphics,display", "--no-annotations"]),
]


def generate(config, args):
    env = dict(os.environ, NVRUNC_CONFIG=config)
    p = subprocess.run([CTL, "cdi", "generate", "--format", "json"] + args, env=env, capture_output=True, text=True)
    if p.returncode != 0:
        return {"error": p.stderr.strip()}
    return json.loads(p.stdout)


def compare(kind, name, fixtures, actual, update):
    """1 when the normalised output differs from its fixture (printing the diff), else 0."""
    text = json.dumps(actual, indent=2, sort_keys=False) + "\n"
    path = os.path.join(fixtures, name + ".json")
    if update:
        os.makedirs(fixtures, exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
    expected = open(path).read() if os.path.exists(path) else None
    if expected == text:
        print(f"ok   {kind} {name}")
        return 0
    print(f"FAIL {kind} {name}: differs from {path}", file=sys.stderr)
    if expected is not None:
        subprocess.run(["diff", "-u", path, "-"], input=text, text=True)
    return 1


def node_facts(node):
    with open(os.path.join(node, "mock-driver.json")) as f:
        return json.load(f)


def substitutions(node, desc):
    subs = {"@UUID3": desc["gpus"][3]["uuid"], "@BUS5": desc["gpus"][5]["bus_id"]}
    for g in desc["gpus"]:
        if g["index"] == 6 and g.get("mig"):
            subs["@MIG6"] = g["mig"][0]["uuid"]
    return subs


def substitute(entry, subs):
    """NAME=@PLACEHOLDER -> NAME=<the node's value>."""
    key, _, value = entry.partition("=")
    return f"{key}={subs[value]}" if value in subs else entry


def majors(desc):
    """The dynamic majors this node picked on this host, by name (longest number first)."""
    out = {}
    for key, value in desc.items():
        if key.endswith("_major") and isinstance(value, int):
            out[key.upper()] = value
    for key, value in desc.get("majors", {}).items():
        out[key.upper().replace("-", "_") + "_MAJOR"] = value
    return out


def normalise(value, node, bundle, dynamic):
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            if k == "major" and isinstance(v, int):
                names = [n for n, m in dynamic.items() if m == v]
                out[k] = "$" + sorted(names)[0] if names else v
            else:
                out[k] = normalise(v, node, bundle, dynamic)
        return out
    if isinstance(value, list):
        return [normalise(v, node, bundle, dynamic) for v in value]
    if isinstance(value, str):
        return value.replace(node, "$NODE").replace(bundle, "$BUNDLE").replace(BIN, "$BIN")
    return value


def make_bundle(bundle, env):
    rootfs = os.path.join(bundle, "rootfs")
    for d in ("etc", "usr/lib/x86_64-linux-gnu", "bin"):
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    with open(os.path.join(rootfs, "etc/debian_version"), "w") as f:
        f.write("12.0\n")
    spec = {"ociVersion": "1.0.2", "process": {"args": ["sh"], "env": env, "cwd": "/"},
            "root": {"path": "rootfs"}, "linux": {"resources": {"devices": [{"allow": False, "access": "rwm"}]}}}
    with open(os.path.join(bundle, "config.json"), "w") as f:
        json.dump(spec, f)


def explain(bundle, config):
    env = dict(os.environ, NVRUNC_CONFIG=config)
    p = subprocess.run([CTL, "explain", "--json", "--bundle", bundle], env=env, capture_output=True, text=True)
    if p.returncode == 0:
        return json.loads(p.stdout)
    return {"error": json.loads(p.stdout)["error"] if p.stdout.strip() else p.stderr.strip()}


def main():
    if os.geteuid() != 0:
        print("skipped: building the simulated node needs root", file=sys.stderr)
        return 77
    update = os.environ.get("NVRUNC_UPDATE_GOLDEN") == "1"
    work = tempfile.mkdtemp(prefix="nvrunc-golden-")
    failures = 0
    try:
        node = os.path.join(work, "node")
        subprocess.run([CTL, "mock-driver", "--root", node, "--dgx"], check=True, capture_output=True)
        desc = node_facts(node)
        subs, dynamic = substitutions(node, desc), majors(desc)
        for name, env in CASES:
            env = [substitute(e, subs) for e in env]
            bundle = os.path.join(work, "bundles", name)
            make_bundle(bundle, env)
            actual = normalise(explain(bundle, os.path.join(node, "config.toml")), node, bundle, dynamic)
            failures += compare("plan", name, FIXTURES, actual, update)
        for name, args in GENERATE_CASES:
            spec = generate(os.path.join(node, "config.toml"), args)
            failures += compare("cdi generate", name, GENERATE_FIXTURES, normalise(spec, node, work, dynamic), update)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
