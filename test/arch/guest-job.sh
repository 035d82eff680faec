#!/bin/sh
# The job a test:arch guest runs at boot (as /mnt/run.sh, from the host's 9p share; busybox sh):
# captures of what the guest's tools print, then the project's own agent, installed as
# deploy/install-files.sh installs it on a node, probing and profiling the synthetic MLP into the
# host's collector through the one forwarded port. job.env (written by the host) says which guest
# this is and what to run. Results go to /mnt/out; each step's exit status to /mnt/out/status.txt.
set -u
. /mnt/job.env
out=/mnt/out; captures=$out/captures
mkdir -p "$captures"
: > "$out/status.txt"
step() {
  name=$1; shift; echo "=== $name: $*"; "$@"; rc=$?; echo "$name $rc" >> "$out/status.txt"; echo "=== $name exit $rc"
  # Killed by a signal (a crash under emulation, say): what the kernel logged, for whoever reads the failure.
  if [ "$rc" -ge 128 ]; then dmesg | tail -30 > "$out/dmesg-$name.txt"; cat "$out/dmesg-$name.txt"; fi
}

# powernv has no real-time clock in QEMU: its guest starts in 1970, and the collector rightly refuses records
# stamped then. The host wrote its clock into job.env as it booted the guest; that plus the uptime is close.
if [ "$(date +%s)" -lt 1600000000 ]; then date -s "@$((HOST_TIME_AT_BOOT + $(cut -d. -f1 /proc/uptime)))" > /dev/null; echo "clock set from the host's: $(date)"; fi

# Node reads the install from RAM: the agent's 18 MB over 9p would cost each start dearly under TCG.
cp -a /mnt/agent /tmp/agent
agent="node /tmp/agent/dist/agent/main.js"
mlp=/tmp/agent/deploy/workloads/synthetic-mlp.js

# What the guest's tools print, for the parsers' fixtures (LC_ALL=C: field names untranslated).
export LC_ALL=C
cat /proc/cpuinfo > "$captures/cpuinfo.txt"
for property in model compatible; do cat "/proc/device-tree/$property" > "$captures/device-tree-$property" 2>/dev/null || true; done
lscpu > "$captures/lscpu.txt" 2>&1
ls /sys/bus/event_source/devices > "$captures/event-source-devices.txt"
perf version > "$captures/perf-version.txt" 2>&1
perf list > "$captures/perf-list.txt" 2>&1
perf stat -x, -e "$CAPTURE_EVENTS" -o "$captures/perf-stat-csv.txt" -- node "$mlp" "$CAPTURE_ITEMS" > /dev/null
perf stat -x, -I 1000 -e "$CAPTURE_EVENTS" -o "$captures/perf-stat-csv-interval.txt" -- node "$mlp" "$CAPTURE_ITEMS" > /dev/null
if [ -e /dev/ipmi0 ]; then ipmitool dcmi power reading > "$captures/ipmitool-dcmi-power-reading.txt" 2>&1; fi

# The network lets nothing out but the forward to the collector: the host's other loopback ports stay out of reach.
if nc -w 5 10.0.2.2 "$BLOCKED_PORT" < /dev/null > /dev/null 2>&1; then echo "blocked-port reached" >> "$out/status.txt"; else echo "blocked-port unreachable" >> "$out/status.txt"; fi

for events in $EVENT_SETS; do
  name=$(echo "$events" | tr ':' '-')
  step "probe-$name" sh -c "$agent probe --events $events $PROBE_ARGS > $out/probe-$name.txt 2>&1"
done
for events in $EVENT_SETS; do
  name=$(echo "$events" | tr ':' '-')
  step "run-$name" sh -c "$agent run --collector 10.0.2.100:4000 --node-id $NODE_ID --workload mlp --events $events --repeat $REPEAT $RUN_ARGS -- node $mlp $ITEMS > $out/run-$name.txt 2>&1"
done
