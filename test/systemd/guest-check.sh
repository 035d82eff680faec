#!/bin/bash
# Runs inside the test guest at boot (powerprof-systemd-test.service), as an operator would: the
# deployment steps (docs/deployment.md) (install.sh, configure, systemctl enable --now), then checks each
# promise of the units. Writes "PASS name" / "FAIL name: why" lines to results.txt on the 9p share
# "out", the journal beside them, and powers the guest off.
set -u
mkdir -p /mnt/out
modprobe 9pnet_virtio 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 out /mnt/out || { echo "9p mount failed" >/dev/ttyS0; systemctl poweroff; exit 1; }
O=/mnt/out
exec > >(tee "$O/guest.log" >/dev/ttyS0) 2>&1
: > "$O/results.txt"
pass() { echo "PASS $1" | tee -a "$O/results.txt"; }
fail() { echo "FAIL $1: $2" | tee -a "$O/results.txt"; }
check() { name=$1; shift; if "$@"; then pass "$name"; else fail "$name" "$(echo "$*" | cut -c1-200)"; fi; }
step() { echo; echo "=== [uptime $(cut -d' ' -f1 /proc/uptime)s] $*"; }
seccomp_kills() { dmesg | grep -c 'type=1326' || true; }
records() { redis-cli --raw XRANGE 'powerprof:{pp-guest}:records' - + 2>/dev/null; }
count_kind() { records | grep -c -x "$1" || true; }
metric() { node -e "fetch('http://127.0.0.1:9464/metrics').then(r=>r.text()).then(t=>{const l=t.split('\n').find(l=>l.startsWith(process.argv[1]+' ')||l.startsWith(process.argv[1]+'{'));console.log(l?Number(l.split(' ').pop()):'')})" "$1"; }
wait_for() { # seconds, then a command that must come true
  local until=$(( $(cut -d. -f1 /proc/uptime) + $1 )); shift
  while [ "$(cut -d. -f1 /proc/uptime)" -lt "$until" ]; do "$@" && return 0; sleep 2; done; "$@"
}

step "start: $(uname -r), node $(node --version), perf_event_paranoid=$(cat /proc/sys/kernel/perf_event_paranoid)"
cd /root/pp
systemctl is-active -q redis-server || systemctl start redis-server

step "install (docs/deployment.md, steps 2 and 3)"
check install-collector deploy/install.sh collector
check install-agent deploy/install.sh agent
check perf-permitted test "$(cat /proc/sys/kernel/perf_event_paranoid)" -le 2
check collector-lua-installed test -f /opt/powerprof/collector/queue/append-batch.lua
check only-runtime-packages-installed test ! -e /opt/powerprof/node_modules/typescript -a ! -e /opt/powerprof/node_modules/onnxruntime-node
check both-roles-packages-installed test -d /opt/powerprof/node_modules/ioredis -a -d /opt/powerprof/node_modules/yaml

step "configure: a fast schedule, a power source (a POWER9-like OCC hwmon tree)"
mkdir -p /var/lib/powerprof-test/sysfs/class/hwmon/hwmon0
printf 'ibmpowernv\n' > /var/lib/powerprof-test/sysfs/class/hwmon/hwmon0/name
printf '426000000\n' > /var/lib/powerprof-test/sysfs/class/hwmon/hwmon0/power1_input
printf 'System\n' > /var/lib/powerprof-test/sysfs/class/hwmon/hwmon0/power1_label
chmod -R a+rX /var/lib/powerprof-test
sed -i -e 's/^\(  *\)every_s: 21600/\1every_s: 120\n\1first_after_s: 3/' -e 's/^\(  *\)repeat: 11$/\1repeat: 2/' \
       -e 's#synthetic-mlp.js, "600"\]#synthetic-mlp.js, "150"]#' \
       -e 's#^  log_level: info#  log_level: info\n  power: hwmon\n  sysfs_root: /var/lib/powerprof-test/sysfs\n  idle_s: 0#' /etc/powerprof/agent.yaml
grep -n -E 'every_s|first_after_s|repeat|power|sysfs_root|mlp:' /etc/powerprof/agent.yaml

step "systemctl enable --now (docs/deployment.md, steps 2 and 3)"
dmesg -C
check enable-now timeout 240 systemctl enable --now powerprof-collector powerprof-agent
check collector-active systemctl is-active -q powerprof-collector
check agent-active systemctl is-active -q powerprof-agent
check agent-notify test "$(systemctl show -p Type --value powerprof-agent)" = notify
check no-seccomp-kill test "$(seccomp_kills)" = 0

step "records reach Redis through the collector"
power_samples_arrived() { [ "$(count_kind power_sample)" -ge 2 ]; }
runs_arrived() { [ "$(records | grep -c RUN_STATUS_OK)" -ge 2 ]; }
runs_counted() { records | grep -q '"event":"task-clock","value":[1-9]'; }
check power-samples-in-redis wait_for 90 power_samples_arrived
check scheduled-runs-in-redis wait_for 240 runs_arrived
check runs-counted-by-perf runs_counted

step "the history sink drains Redis into Parquet (README, History)"
sed -i 's/^flush_interval_s: 300/flush_interval_s: 2/' /etc/powerprof/sink.yaml
check enable-sink timeout 120 systemctl enable --now powerprof-sink
check sink-active systemctl is-active -q powerprof-sink
power_in_history() { ls /var/lib/powerprof/history/table=power/node=pp-guest/date=*/*.parquet >/dev/null 2>&1; }
runs_in_history() { ls /var/lib/powerprof/history/table=runs/node=pp-guest/date=*/*.parquet >/dev/null 2>&1; }
check power-in-history wait_for 90 power_in_history
check runs-in-history wait_for 90 runs_in_history
ls -lR /var/lib/powerprof/history | head -40
check history-owned-by-powerprof test "$(stat -c %U /var/lib/powerprof/history/table=power)" = powerprof
history_export() { timeout 120 node /opt/powerprof/dist/collector/main.js export --history /var/lib/powerprof/history --out /tmp/history-export && [ "$(grep -c '^pp-guest,' /tmp/history-export/runs.csv)" -ge 2 ]; }
check export-with-history history_export

step "a fleet experiment reaches the daemon"
out=$(timeout 120 node /opt/powerprof/dist/collector/main.js experiment start --nodes all --repeat 1 -- mlp 2>&1); echo "$out"
id=$(echo "$out" | sed -n 's/^experiment \([^:]*\):.*/\1/p' | head -1)
experiment_done() { timeout 60 node /opt/powerprof/dist/collector/main.js experiment status "$id" 2>/dev/null | grep -q -E 'pp-guest +done'; }
check experiment-done wait_for 240 experiment_done

step "systemctl reload takes a changed schedule"
sed -i 's/every_s: 120/every_s: 300/' /etc/powerprof/agent.yaml
check reload timeout 60 systemctl reload powerprof-agent
reload_logged() { journalctl -u powerprof-agent -b --no-pager -o cat | grep -q "configuration reloaded"; }
check reload-logged wait_for 20 reload_logged
check active-after-reload systemctl is-active -q powerprof-agent

step "kill -9: systemd restarts the agent, nothing is lost"
restarts_before=$(systemctl show -p NRestarts --value powerprof-agent)
check kill-9 systemctl kill -s SIGKILL powerprof-agent
restarted() { [ "$(systemctl show -p NRestarts --value powerprof-agent)" -gt "$restarts_before" ] && systemctl is-active -q powerprof-agent; }
# Both counters from one scrape: two scrapes a node start apart (a second or more here) see a written count
# that moved on since the produced one, as power samples keep coming, and could miss every moment they agree.
produced_and_written() { node -e "fetch('http://127.0.0.1:9464/metrics').then(r=>r.text()).then(t=>{const v=(n)=>{const l=t.split('\n').find(l=>l.startsWith(n+' ')||l.startsWith(n+'{'));return l?l.split(' ').pop():''};console.log(v('powerprof_node_records_produced_total')+' '+v('powerprof_node_records_written_total'))})"; }
all_written() { set -- $(produced_and_written); [ -n "${1:-}" ] && [ "$1" = "${2:-}" ]; }
check restarted wait_for 90 restarted
check nothing-lost wait_for 90 all_written
echo "produced and written, one scrape: $(produced_and_written)"

step "systemctl stop flushes and ends cleanly"
check stop-agent timeout 60 systemctl stop powerprof-agent
check agent-stopped-cleanly test "$(systemctl show -p Result --value powerprof-agent)" = success
# The daemon leaves V8's code cache of its bundle in its CacheDirectory as it exits (agent/bundled-agent.ts).
check agent-code-cache sh -c 'ls /var/cache/powerprof/agent-cli-*.v8cache'
check spool-flushed all_written
check stop-sink timeout 90 systemctl stop powerprof-sink
check sink-stopped-cleanly test "$(systemctl show -p Result --value powerprof-sink)" = success
check stop-collector timeout 60 systemctl stop powerprof-collector
check collector-stopped-cleanly test "$(systemctl show -p Result --value powerprof-collector)" = success
check no-seccomp-kill-at-all test "$(seccomp_kills)" = 0

step "journal and hardening"
journalctl -u powerprof-agent -u powerprof-collector -u powerprof-sink -b --no-pager -o short-monotonic > "$O/journal-units.txt"
journalctl -b --no-pager -o short-monotonic > "$O/journal-all.txt"
dmesg > "$O/dmesg.txt"
# Errors (level 50 and up) from either service; the kill -9 above is systemd's doing, not theirs.
no_errors() { ! journalctl -u powerprof-agent -u powerprof-collector -u powerprof-sink -b --no-pager -o cat | grep -E '"level":(50|60)'; }
check journal-free-of-errors no_errors
# The exposure systemd gives each installed, loaded unit is the one docs/security.md states for a running systemd.
running_figures=$(tr -s ' \n' '  ' < /root/pp/docs/security.md | sed -n 's/.*under a running systemd\(.*\) Tests keep these figures true.*/\1/p')
stated() { [ -n "$2" ] && echo "$running_figures" | grep -q "$1 rates $2\|$1 $2"; }
for unit in powerprof-agent.service powerprof-collector.service powerprof-sink.service; do
  score=$(systemd-analyze security --no-pager "$unit" | sed -n 's/.*Overall exposure level for [^:]*: \([0-9.]*\).*/\1/p')
  echo "$unit exposure $score (docs, under a running systemd:$running_figures)"
  check "security-$unit" stated "$unit" "$score"
done

step "done"
echo "DONE" >> "$O/results.txt"
sync
systemctl poweroff
