#!/usr/bin/env python3
"""The Kubernetes manifests, the installer image and the packaging agree with each other and with
the code: RuntimeClass handler = runtime configure's default --name, DaemonSet selector = template
labels, privileged + hostPID, hostPaths = where the installer puts the binaries, image name and tag =
the Containerfile's and the project version, the cluster profile's policy.

Usage: manifests_test.py SOURCE_DIR. Exit 0 pass, 1 fail, 77 skipped (no python3-yaml)."""
import os
import re
import sys

try:
    import yaml
except ImportError:
    print("SKIP: needs python3-yaml", file=sys.stderr)
    sys.exit(77)
try:
    import tomllib
except ImportError:  # Python < 3.11
    tomllib = None

SRC = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "..", "..")
K8S = os.path.join(SRC, "packaging", "kubernetes")
failures = []


def check(what, ok, detail=""):
    print(("  ok: " if ok else "  FAIL: ") + what + ("" if ok else f": {detail}"))
    if not ok:
        failures.append(what)


def read(*parts):
    with open(os.path.join(*parts)) as f:
        return f.read()


def load_all(name):
    return [d for d in yaml.safe_load_all(read(K8S, name)) if d is not None]


DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")

# Every object: apiVersion, kind, metadata.name.
docs = {}
for name in sorted(os.listdir(K8S)):
    if not name.endswith(".yaml"):
        continue
    for d in load_all(name):
        ok = isinstance(d, dict) and all(d.get(k) for k in ("apiVersion", "kind")) and d.get("metadata", {}).get("name")
        check(f"{name}: {d.get('kind')} has apiVersion, kind, metadata.name", bool(ok), d)
        docs.setdefault(d["kind"], []).append(d)

# The handler's default name, from the code.
engine_hpp = read(SRC, "include", "nvrunc", "engine", "engine.hpp")
default_name = re.search(r'std::string name = "([^"]+)";', engine_hpp).group(1)
(rc,) = docs["RuntimeClass"]
check("RuntimeClass is node.k8s.io/v1", rc["apiVersion"] == "node.k8s.io/v1", rc["apiVersion"])
check("RuntimeClass handler = runtime configure's default --name", rc["handler"] == default_name, rc["handler"])
check("RuntimeClass handler is a DNS-1123 label", bool(DNS_LABEL.match(rc["handler"])), rc["handler"])

(ds,) = docs["DaemonSet"]
spec, pod = ds["spec"], ds["spec"]["template"]["spec"]
labels = ds["spec"]["template"]["metadata"]["labels"]
check("DaemonSet selector matches the template's labels",
      all(labels.get(k) == v for k, v in spec["selector"]["matchLabels"].items()), (spec["selector"], labels))
namespaces = [n["metadata"]["name"] for n in docs.get("Namespace", [])]
check("DaemonSet namespace is created alongside", ds["metadata"].get("namespace") in namespaces, namespaces)
check("DaemonSet has hostPID (nsenter -t 1)", pod.get("hostPID") is True)
(ctr,) = pod["containers"]
check("installer container is privileged", ctr.get("securityContext", {}).get("privileged") is True)
env = {e["name"]: e.get("value") for e in ctr.get("env", [])}
host_dir, host_mount = env.get("NVRUNC_HOST_DIR"), env.get("HOST_MOUNT")
check("installer handler = RuntimeClass handler", env.get("HANDLER") == rc["handler"], env.get("HANDLER"))
volumes = {v["name"]: v.get("hostPath", {}).get("path") for v in pod["volumes"]}
mounts = {m["name"]: m["mountPath"] for m in ctr["volumeMounts"]}
check("every mount has a hostPath volume", set(mounts) == set(volumes), (mounts, volumes))
for name, path in volumes.items():
    check(f"volume {name}: mounted at HOST_MOUNT + its hostPath", mounts.get(name) == f"{host_mount}{path}",
          (mounts.get(name), path))
check("the binaries' directory is a hostPath", host_dir in volumes.values(), (host_dir, volumes))
check("/etc/nvrunc (the config nvrunc reads) is a hostPath", "/etc/nvrunc" in volumes.values(), volumes)

# The image: name and tag as the Containerfile says, tag = project version.
containerfile = read(K8S, "Containerfile")
ref = re.search(r'org\.opencontainers\.image\.ref\.name="([^"]+)"', containerfile).group(1)
version = re.search(r"project\(nvrunc VERSION ([0-9.]+)", read(SRC, "CMakeLists.txt")).group(1)
check("DaemonSet image = the Containerfile's ref.name", ctr["image"] == ref, (ctr["image"], ref))
check("image tag = project version", ref.rsplit(":", 1)[1] == version, (ref, version))
check("Containerfile's build comment tags the same image", f"-t {ref} " in containerfile)
# The binaries: installed to <prefix>/bin by CMake (prefix /usr in the image and the .deb), copied
# from /usr/bin by the installer to NVRUNC_HOST_DIR/bin, which runtime configure gets as --binary.
check("CMake installs binaries to CMAKE_INSTALL_BINDIR",
      "DESTINATION ${CMAKE_INSTALL_BINDIR}" in read(SRC, "cmake", "NvruncTargets.cmake"))
check("Containerfile installs with prefix /usr", "--prefix /usr" in containerfile)
binaries = ("nvrunc", "nvrunc-hook", "nvrunc-ctl")
copy = re.search(r"COPY --from=build (.*) /usr/bin/\n", containerfile)
check("Containerfile copies the three binaries to /usr/bin",
      copy is not None and sorted(os.path.basename(p) for p in copy.group(1).split()) == sorted(binaries))
installer = read(K8S, "node-install.sh")
entry = re.search(r'ENTRYPOINT \["([^"]+)"\]', containerfile).group(1)
check("ENTRYPOINT is where node-install.sh is copied", f"COPY packaging/kubernetes/node-install.sh {entry}" in containerfile)
check("installer copies from /usr/bin", 'cp "/usr/bin/$b"' in installer and all(b in installer for b in binaries))
check("installer's default NVRUNC_HOST_DIR = the DaemonSet's",
      f"NVRUNC_HOST_DIR=${{NVRUNC_HOST_DIR:-{host_dir}}}" in installer)
check("installer's default HOST_MOUNT = the DaemonSet's", f"HOST_MOUNT=${{HOST_MOUNT:-{host_mount}}}" in installer)
check("runtime configure gets --binary NVRUNC_HOST_DIR/bin/nvrunc", '--binary "$NVRUNC_HOST_DIR/bin/nvrunc"' in installer)
check("installer writes the cluster profile the image carries",
      "COPY packaging/kubernetes/config.toml /usr/share/nvrunc/cluster-config.toml" in containerfile
      and "/usr/share/nvrunc/cluster-config.toml" in installer)

# The example pod uses the RuntimeClass and asks the device plugin for a GPU.
(example,) = docs["Pod"]
check("example pod uses the RuntimeClass", example["spec"].get("runtimeClassName") == rc["metadata"]["name"])
limits = example["spec"]["containers"][0].get("resources", {}).get("limits", {})
check("example pod asks for nvidia.com/gpu", "nvidia.com/gpu" in limits, limits)

# The cluster profile: no GPU through the environment of unprivileged pods, volume mounts instead.
if tomllib is not None:
    with open(os.path.join(K8S, "config.toml"), "rb") as f:
        profile = tomllib.load(f)
    check("cluster profile refuses env requests from unprivileged containers",
          profile.get("accept-nvidia-visible-devices-envvar-when-unprivileged") is False, profile)
    check("cluster profile accepts volume-mount requests",
          profile.get("accept-nvidia-visible-devices-as-volume-mounts") is True, profile)

# The .deb ships the manifests.
check("CPack installs packaging/kubernetes under share/nvrunc",
      "packaging/kubernetes/" in read(SRC, "packaging", "CPack.cmake"))

if failures:
    print(f"{len(failures)} check(s) failed", file=sys.stderr)
    sys.exit(1)
print("all checks passed")
