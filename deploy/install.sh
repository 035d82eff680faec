#!/bin/sh
# Installs powerprof as services on a Debian node (run as root from a clone or release tree):
#   deploy/install.sh agent       the agent: powerprof-agent.service, /etc/powerprof/agent.yaml
#   deploy/install.sh collector   the collector: powerprof-collector.service, /etc/powerprof/collector.yaml,
#                                 and the history sink: powerprof-sink.service, /etc/powerprof/sink.yaml
#   deploy/install.sh --dry-run agent|collector   print what it would do, change nothing
#   deploy/install.sh --with-resnet50 agent     also onnxruntime-node (288 MB) for the bundled ResNet-50 workload
# Creates the users (powerprof; group powerprof-ipmi for /dev/ipmi0), /opt/powerprof,
# /var/lib/powerprof (the spool), and the config from the commented example, never overwriting one;
# for the agent, sets kernel.perf_event_paranoid to 2 where it is above (Debian's 3 refuses perf to it).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
run() { echo "+ $*"; [ "$dry" = yes ] || "$@"; }
dry=no resnet=
while :; do
  case ${1:-} in
    --dry-run) dry=yes; shift ;;
    --with-resnet50) resnet=--with-resnet50; shift ;;
    *) break ;;
  esac
done
role=${1:-}
case $role in agent|collector) ;; *) sed -n '2,9p' "$0" >&2; exit 2 ;; esac
if [ "$dry" = no ] && [ "$(id -u)" != 0 ]; then echo "install.sh: run as root (or with --dry-run)" >&2; exit 1; fi

getent group powerprof >/dev/null 2>&1 || run groupadd --system powerprof
getent passwd powerprof >/dev/null 2>&1 || run useradd --system --gid powerprof --home-dir /var/lib/powerprof --no-create-home --shell /usr/sbin/nologin powerprof
run install -d -m 0755 /opt/powerprof /etc/powerprof
# The package's files and only the dependencies the role uses; where the other role is installed on this
# host too, what both use (its unit file says it is there).
roles=$role
for other in agent collector; do
  [ "$other" != "$role" ] && [ -f "/etc/systemd/system/powerprof-$other.service" ] && roles="$roles $other"
done
# An earlier --with-resnet50 install is kept as chosen (install again after removing /opt/powerprof/node_modules/onnxruntime-node to undo).
[ -d /opt/powerprof/node_modules/onnxruntime-node ] && resnet=--with-resnet50
[ "$dry" = yes ] && dry_flag=--dry-run || dry_flag=
sh "$here/deploy/install-files.sh" $dry_flag $resnet /opt/powerprof $roles

if [ "$role" = agent ]; then
  getent group powerprof-ipmi >/dev/null 2>&1 || run groupadd --system powerprof-ipmi
  run usermod -a -G powerprof-ipmi powerprof
  run install -d -m 0750 -o powerprof -g powerprof /var/lib/powerprof /var/lib/powerprof/spool
  run install -m 0644 "$here/deploy/udev/60-powerprof-ipmi.rules" /etc/udev/rules.d/60-powerprof-ipmi.rules
  run install -m 0644 "$here/deploy/tmpfiles/powerprof.conf" /etc/tmpfiles.d/powerprof.conf
  # Debian's kernels default to kernel.perf_event_paranoid=3: no count at all without root, CAP_PERFMON included.
  paranoid=$(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo 2)
  if [ "$paranoid" -gt 2 ]; then
    echo "kernel.perf_event_paranoid is $paranoid here: perf could not count for the agent; setting it to 2, now and at boot (/etc/sysctl.d/60-powerprof-perf.conf)"
    run install -m 0644 "$here/deploy/sysctl/60-powerprof-perf.conf" /etc/sysctl.d/60-powerprof-perf.conf
    run sysctl -q -p /etc/sysctl.d/60-powerprof-perf.conf
  fi
fi
units=$role
if [ "$role" = collector ]; then
  # The history sink (Parquet under /var/lib/powerprof/history) comes with the collector; it starts only when enabled.
  units="collector sink"
  run install -d -m 0750 -o powerprof -g powerprof /var/lib/powerprof /var/lib/powerprof/history
fi
for unit in $units; do
  [ -e "/etc/powerprof/$unit.yaml" ] || run install -m 0640 -g powerprof "$here/deploy/config/$unit.example.yaml" "/etc/powerprof/$unit.yaml"
  run install -m 0644 "$here/deploy/systemd/powerprof-$unit.service" "/etc/systemd/system/powerprof-$unit.service"
done
if [ "$dry" = no ] && [ -d /run/systemd/system ]; then
  run systemctl daemon-reload
  [ "$role" = agent ] && { udevadm trigger --subsystem-match=ipmi 2>/dev/null || true; systemd-tmpfiles --create /etc/tmpfiles.d/powerprof.conf || true; }
fi
echo "installed. Edit /etc/powerprof/$role.yaml, then: systemctl enable --now powerprof-$role"
if [ "$role" = collector ]; then
  echo "the history sink: edit /etc/powerprof/sink.yaml, then: systemctl enable --now powerprof-sink"
fi
