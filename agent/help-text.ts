import { parseKinds } from './commands/parse-command.js';
import { eventPresets } from './perf/event-presets.js';
import { powerSourceNames, powerSourcesHelp, primaryOrder } from './power/power-sources.js';

export const agentHelp = `powerprof-agent: profile a workload on this node and ship the results to a collector

Usage:
  powerprof-agent run [options] -- COMMAND [ARGS...]
  powerprof-agent daemon --config FILE
  powerprof-agent flush [options]
  powerprof-agent probe [options]
  powerprof-agent parse KIND [FILE|-]
  powerprof-agent --version | --help

Commands:
  run     run COMMAND --repeat times, each under perf stat, and push one run
          record per run (and this node's description) to the collector
  daemon  the node's service: power sampled all the time, experiments on the
          config's schedule (systemd: deploy/systemd/powerprof-agent.service)
  flush   send what this node's spool still holds to the collector, and exit
  probe   which perf events this node can count, and why not where it cannot
  parse   read a captured tool output and print one JSON object per line
          (KIND: ${parseKinds.join(', ')})

Run "powerprof-agent COMMAND --help" for the options of run, daemon, flush and probe.
`;

const spoolOptionsHelp = `  --spool DIR           the durable spool: every record is written here first and
                        removed once the collector acks it; this node's part is
                        DIR/NODE_ID; default /var/lib/powerprof/spool as root,
                        else ~/.local/state/powerprof/spool                 [spool]
  --spool-max-bytes N   bound on the spool (512MiB, 1GiB, ...); when full, the
                        oldest samples are dropped first, run records last, and
                        counted; default 1GiB                               [spool_max_bytes]
  --spool-fsync MODE    runs (default): run records are on disk before they
                        count, samples within a second; always: every record
  --retry-max-s S       the cap of the reconnect backoff; default 10        [retry_max_s]
  --tls-ca FILE         talk TLS to the collector, trusting this CA (the system's
                        roots with --tls-cert alone)                        [tls_ca]
  --tls-cert FILE, --tls-key FILE   this node's client certificate (mTLS); the
                        collector lets it write only as the node it names
  --tls-server-name N   the name to check the collector's certificate against,
                        when --collector is an address it does not carry
  --token-file FILE     a bearer token for a collector with --tokens-file (mode
                        0600), or POWERPROF_TOKEN; never sent in plaintext off
                        loopback                                            [token_file]
`;

export const flushHelp = `Usage: powerprof-agent flush [options]

Sends what this node's spool still holds (records of runs whose agent could not
reach the collector, or was stopped) to the collector, and exits once all are
acked. "run" does the same at its start; this is for when no run follows.

  --collector HOST:PORT collector gRPC address; default 127.0.0.1:50051
  --node-id ID          whose spool: DIR/NODE_ID; default the hostname
${spoolOptionsHelp}  --flush-timeout S     give up after S seconds; default 30
  --config FILE         YAML file (keys of run are ignored)
  --log-level LEVEL     default info
Exit status 0 when the spool is empty, 1 when records are left in it.
`;

export const runHelp = `Usage: powerprof-agent run [options] -- COMMAND [ARGS...]

Runs COMMAND under "perf stat -x, --no-scale -o FILE" (its stdout and stderr pass
through), records each run and pushes it to the collector over gRPC. Prints a
progress line per run and a table at the end, on stderr.

Options (config file key / environment variable in brackets; every key can be
set as POWERPROF_<KEY>, e.g. POWERPROF_NODE_ID):
  --config FILE         YAML file with any option below (keys like node_id, at the
                        top level or under "agent:")
  --collector HOST:PORT collector gRPC address; default 127.0.0.1:50051   [collector]
  --node-id ID          this node's name; default the hostname              [node_id]
  --workload NAME       the workload's name in metrics; default from COMMAND
                        ("python3 resnet50.py" -> resnet50)                 [workload]
  --workload-user USER  run the workload as USER (an agent running as root; perf
                        stays root and counts it through setpriv); without it,
                        a root agent runs the workload as root, with a warning

Runs:
  --repeat N            measured runs; default 1                            [repeat]
  --warmup N            runs before those, recorded and flagged "warmup",
                        left out of statistics; default 0                   [warmup]
  --until-rsd PCT       keep running past --repeat (at least 3 runs) until the
                        relative standard deviation of durations (and energies,
                        once measured) is below PCT %                       [until_rsd]
  --max-repeat N        with --until-rsd: stop after N measured runs; default 100
  --timeout S           stop a run after S seconds: SIGTERM to its process group,
                        SIGKILL after --kill-grace; status timed_out (0: never)
  --kill-grace S        seconds between SIGTERM and SIGKILL; default 5      [kill_grace]
  --pause-s S           rest S seconds between runs (power still sampled), so that
                        each run's rise and the return to idle show; default 0 [pause_s]
  --items-key KEY       the workload metric that counts inferences; default items

Counters:
  --events LIST         comma-separated perf events and presets; default preset:default
                        presets: ${Object.entries(eventPresets)
                          .map(([name, events]) => `preset:${name} (${events.length})`)
                          .join(', ')};
                        auto = the preset of this architecture          [events]
  --interval-ms N       also count every N ms (perf stat -I) and stream the intervals
                        while the run goes (counters.csv); 0: off (default)
  --no-multiplex        split hardware events into groups that fit the PMU and rotate
                        them across runs, so each is counted 100 % of some runs
  --pmu-counters N      programmable counters per thread for --no-multiplex;
                        default by architecture (x86 4, POWER 4, ARM 6)
  --no-perf             do not use perf: record wall time, CPU time, exit status only
  --perf-path PATH      the perf binary; default "perf"                     [perf_path]
  --sysfs-root DIR      where sysfs is, for the per-run node fingerprint; default /sys

Power (sampled all through the experiment; energy per run over its perf window):
  --power LIST          auto (default: every source that works here; simulated-dcmi
                        only when named), none, or some of
                        ${powerSourceNames.join(', ')}
  --power-period-ms N   each source's sampling period; default 1000
  --power-timeout S     a read still running after S seconds is killed; default 5
  --power-primary SRC   the source of the run's energy columns; default the one
                        closest to the wall: ${primaryOrder.join(', ')}
  --idle-s N            idle power measured N s before the first run and after the
                        last; each run's dynamic energy is above it; default 10
${powerSourcesHelp}
Output and delivery:
  --csv DIR             also write runs.csv, power.csv, counters.csv to DIR [csv]
${spoolOptionsHelp}  --flush-timeout S     at the end, wait this long for the collector to ack
                        everything (5 s at most after SIGINT or SIGTERM);
                        default 30                                          [flush_timeout]
  --log-level LEVEL     fatal, error, warn, info, debug, trace, silent; default info
  -h, --help            this text

Lines the workload prints as "KEY: number" (RIGHTS: 480, Time Elapsed: 12.3s) or
"POWERPROF {\\"key\\": number}" become the run's workload metrics.

Precedence: flags > environment > config file > defaults.
Exit status: 0 when every run was recorded and acked (whatever the workload's own
exit codes; see the status column); 1 when records could not be delivered (they
wait in the spool); 2 for bad usage, configuration, or perf missing or not
permitted; 130 when interrupted.
`;

export const probeHelp = `Usage: powerprof-agent probe [options]

Says what this node can measure: perf's version, the PMUs the kernel registered,
whether this is a virtual machine (and whether its PMU is emulated), and for each event whether perf can count it,
what a generic event counts on this architecture, and why not where it cannot;
then each power source: ok with its sensors and a first reading, or why not.
Takes the power options of run (--power, --ipmi-host, --sysfs-root, ...).

  --events LIST       events and presets to try; default auto (this architecture's preset)
  --node-id ID        the name it shows; default the hostname
  --perf-path PATH    the perf binary; default "perf"
  --sysfs-root DIR    default /sys
  --proc-root DIR     default /proc
  --config FILE       YAML file (keys of run are ignored)
  --log-level LEVEL   default warn
Exit status 0, or 2 when perf is missing or not permitted (with the fix).
`;

export const daemonHelp = `Usage: powerprof-agent daemon --config FILE [--log-level LEVEL]

The node's service (deploy/systemd/powerprof-agent.service). Samples power all
the time and ships it; runs experiments on the schedule in FILE, one at a time,
each recorded like "run" records them. Only workloads named in FILE's
"workloads" (the allow-list) ever run. FILE takes every key of "run" (collector,
node_id, power, spool, tls_*, events, repeat, ...) as defaults, and:

  workloads:                 # name: the command, as a list
    resnet50: [python3, /opt/powerprof/deploy/workloads/resnet50_keras.py, "20"]
  schedule:
    - workload: resnet50     # a name from workloads
      every_s: 21600         # period; the first run after first_after_s (default every_s)
      repeat: 11             # and any of warmup, events, interval_ms, timeout, idle_s

SIGHUP reloads the schedule and the allow-list; SIGTERM ends the current run
(recorded as interrupted), flushes the spool for up to 5 s and exits 0. Under
systemd (Type=notify) it reports ready once sampling runs.
`;
