#!/bin/sh
# nvrunc node installer: the entry point of the node-installer DaemonSet (node-installer.yaml).
#
# On every node it runs on, it
#   1. copies nvrunc, nvrunc-hook and nvrunc-ctl from this image to $NVRUNC_HOST_DIR/bin on the host
#      (through the hostPath mounted at $HOST_MOUNT$NVRUNC_HOST_DIR; each file is renamed into place,
#      so a container starting meanwhile runs either the old binary or the new one, never half of it);
#   2. writes /etc/nvrunc/config.toml from the cluster profile (/usr/share/nvrunc/cluster-config.toml)
#      unless the host already has one;
#   3. runs `nvrunc-ctl runtime configure` on the host, in the host's mount namespace (nsenter: the
#      pod has hostPID and is privileged), so the engine's own paths and binary (`containerd config
#      dump` checks the result) are the host's;
#   4. restarts or reloads the engine when the configuration changed (RESTART=systemd: `systemctl
#      restart containerd` / `restart docker` / `reload crio` on the host; RESTART=signal: SIGHUP to
#      crio or dockerd, which re-read their runtimes; containerd cannot reload, so it needs systemd;
#      RESTART=none: leave it to the operator). Running containers survive a containerd restart;
#   5. reports with `nvrunc-ctl doctor`, then sleeps (the DaemonSet keeps a pod per node).
#
# Settings (environment): NVRUNC_HOST_DIR (/usr/local/nvrunc), HOST_MOUNT (/host), RUNTIME
# (containerd | crio | docker), RUNTIME_CONFIG and RUNTIME_DROP_IN (the engine's defaults),
# HANDLER (nvidia), SET_AS_DEFAULT (false), RESTART (systemd | signal | none).
set -eu

NVRUNC_HOST_DIR=${NVRUNC_HOST_DIR:-/usr/local/nvrunc}
HOST_MOUNT=${HOST_MOUNT:-/host}
RUNTIME=${RUNTIME:-containerd}
RUNTIME_CONFIG=${RUNTIME_CONFIG:-}
RUNTIME_DROP_IN=${RUNTIME_DROP_IN:-}
HANDLER=${HANDLER:-nvidia}
SET_AS_DEFAULT=${SET_AS_DEFAULT:-false}
RESTART=${RESTART:-systemd}

log() { echo "nvrunc-node-install: $*" >&2; }
host() { nsenter -t 1 -m -u -i -n -p -- "$@"; }

bin_dir=$HOST_MOUNT$NVRUNC_HOST_DIR/bin
mkdir -p "$bin_dir"
for b in nvrunc nvrunc-hook nvrunc-ctl; do
  cp "/usr/bin/$b" "$bin_dir/.$b.new"
  chmod 0755 "$bin_dir/.$b.new"
  mv -f "$bin_dir/.$b.new" "$bin_dir/$b"
done
log "installed nvrunc, nvrunc-hook and nvrunc-ctl in $NVRUNC_HOST_DIR/bin"

if [ ! -e "$HOST_MOUNT/etc/nvrunc/config.toml" ]; then
  mkdir -p "$HOST_MOUNT/etc/nvrunc"
  cp /usr/share/nvrunc/cluster-config.toml "$HOST_MOUNT/etc/nvrunc/.config.toml.new"
  mv -f "$HOST_MOUNT/etc/nvrunc/.config.toml.new" "$HOST_MOUNT/etc/nvrunc/config.toml"
  log "wrote /etc/nvrunc/config.toml (cluster profile)"
fi

set -- runtime configure --runtime "$RUNTIME" --name "$HANDLER" --binary "$NVRUNC_HOST_DIR/bin/nvrunc"
[ -n "$RUNTIME_CONFIG" ] && set -- "$@" --config "$RUNTIME_CONFIG"
[ -n "$RUNTIME_DROP_IN" ] && set -- "$@" --drop-in "$RUNTIME_DROP_IN"
[ "$SET_AS_DEFAULT" = true ] && set -- "$@" --set-as-default
out=$(host "$NVRUNC_HOST_DIR/bin/nvrunc-ctl" "$@" 2>&1) || { echo "$out" >&2; log "runtime configure failed"; exit 1; }
echo "$out" >&2

case "$out" in
  *"nothing to do:"*) log "$RUNTIME already configured: not restarted" ;;
  *)
    case "$RESTART:$RUNTIME" in
      systemd:containerd) host systemctl restart containerd ;;
      systemd:docker) host systemctl restart docker ;;
      systemd:crio) host systemctl reload crio ;;
      signal:crio) host pkill -HUP -x crio ;;
      signal:docker) host pkill -HUP -x dockerd ;;
      signal:containerd) log "containerd cannot reload its configuration: restart it (RESTART=systemd)"; exit 1 ;;
      none:*) log "restart $RUNTIME yourself to apply the configuration" ;;
      *) log "unknown RESTART=$RESTART"; exit 1 ;;
    esac
    log "$RUNTIME restarted with the \`$HANDLER\` handler"
    ;;
esac

host "$NVRUNC_HOST_DIR/bin/nvrunc-ctl" doctor --no-container --engine "$RUNTIME" --name "$HANDLER" \
  --binary "$NVRUNC_HOST_DIR/bin/nvrunc" >&2 || log "doctor reports problems (above)"

trap 'exit 0' TERM INT
while :; do sleep 3600 & wait $!; done
