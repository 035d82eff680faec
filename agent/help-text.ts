import { parseKinds } from './commands/parse-command.js';
import { defaultPerfEvents } from './perf/default-events.js';

export const agentHelp = `powerprof-agent: profile a workload on this node and ship the results to a collector

Usage:
  powerprof-agent run [options] -- COMMAND [ARGS...]
  powerprof-agent parse KIND [FILE|-]
  powerprof-agent --version | --help

Commands:
  run     run COMMAND --repeat times, each under perf stat, and push one run
          record per run (and this node's description) to the collector
  parse   read a captured tool output and print one JSON object per line
          (KIND: ${parseKinds.join(', ')})

Run "powerprof-agent run --help" for the options of run.
`;

export const runHelp = `Usage: powerprof-agent run [options] -- COMMAND [ARGS...]

Runs COMMAND under "perf stat -x, -o FILE" (its stdout and stderr pass through),
records each run and pushes it to the collector over gRPC.

Options (file key / environment variable in brackets):
  --config FILE         YAML file with any of the options below (keys like node_id,
                        at the top level or under "agent:")
  --collector HOST:PORT collector gRPC address            [collector / POWERPROF_COLLECTOR]
                        default 127.0.0.1:50051
  --node-id ID          this node's name; default the hostname   [node_id / POWERPROF_NODE_ID]
  --repeat N            runs of the workload; default 1           [repeat / POWERPROF_REPEAT]
  --events LIST         comma-separated perf events; default
                        ${defaultPerfEvents.join(',')}
                                                                  [events / POWERPROF_EVENTS]
  --timeout S           kill a run after S seconds (0: never; default 0)
                                                                  [timeout / POWERPROF_TIMEOUT]
  --csv DIR             also write runs.csv, power.csv, counters.csv to DIR
                                                                  [csv / POWERPROF_CSV]
  --no-perf             do not use perf: record wall time and CPU time only
                                                                  [no_perf / POWERPROF_NO_PERF]
  --perf-path PATH      the perf binary; default "perf"           [perf_path / POWERPROF_PERF_PATH]
  --workload NAME       the workload's name in metrics; default from COMMAND
                        ("python3 resnet50.py" -> resnet50)       [workload / POWERPROF_WORKLOAD]
  --flush-timeout S     at the end, wait this long for the collector to ack
                        everything; default 30                    [flush_timeout / POWERPROF_FLUSH_TIMEOUT]
  --log-level LEVEL     fatal, error, warn, info, debug, trace, silent; default info
                                                                  [log_level / POWERPROF_LOG_LEVEL]
  -h, --help            this text

Precedence: flags > environment > config file > defaults.
Exit status: 0 when every run was recorded and acked (whatever the workload's own
exit codes; see the status column), 1 when records could not be delivered,
2 for bad usage, configuration, or perf missing or not permitted,
130 when interrupted.
`;
