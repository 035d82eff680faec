export const collectorHelp = `powerprof-collector: receive agents' records, store them in Redis, serve Prometheus metrics

Usage:
  powerprof-collector serve  [options]
  powerprof-collector export --out DIR [--redis URL]
  powerprof-collector report --out FILE.html [--redis URL | --from DIR]
  powerprof-collector --version | --help

Commands:
  serve   gRPC ingest (default 127.0.0.1:50051) into Redis Streams,
          /metrics, /healthz, /readyz (default 127.0.0.1:9464)
  export  write runs.csv, power.csv and counters.csv from Redis to DIR
  report  one self-contained HTML file with the charts, from Redis or an export DIR

Run "powerprof-collector serve --help", "... export --help" or "... report --help" for options.
`;

export const serveHelp = `Usage: powerprof-collector serve [options]

Options (config file key / environment variable in brackets):
  --config FILE              YAML file with any option below (top level or under "collector:")
  --grpc-listen HOST:PORT    gRPC ingest address; default 127.0.0.1:50051
                             [grpc_listen / POWERPROF_GRPC_LISTEN]
  --metrics-listen HOST:PORT /metrics, /healthz, /readyz; default 127.0.0.1:9464
                             [metrics_listen / POWERPROF_METRICS_LISTEN]
  --redis URL                default redis://127.0.0.1:6379   [redis / POWERPROF_REDIS]
  --key-prefix P             prefix of every Redis key; default powerprof
                             [key_prefix / POWERPROF_KEY_PREFIX]
  --retention-maxlen N       keep about N records per node stream (XADD MAXLEN ~);
                             0 keeps all; default 1000000   [retention_maxlen / ...]
  --max-records-per-batch N  refuse larger batches; default 10000
  --max-message-bytes N      largest gRPC message accepted; default 16777216
  --insecure                 allow plaintext gRPC on a non-loopback address
  --log-level LEVEL          fatal, error, warn, info, debug, trace, silent; default info
  -h, --help                 this text

Precedence: flags > environment > config file > defaults. Exit status 2 for bad usage.
`;

export const exportHelp = `Usage: powerprof-collector export --out DIR [--redis URL] [--key-prefix P]

Writes DIR/runs.csv (one row per run, one column per counter event),
DIR/power.csv and DIR/counters.csv from every node's records in Redis.
  --redis URL        default redis://127.0.0.1:6379   [POWERPROF_REDIS]
  --key-prefix P     default powerprof                [POWERPROF_KEY_PREFIX]
  --config FILE      YAML file with these options
  --log-level LEVEL  default info
`;

export const reportHelp = `Usage: powerprof-collector report --out FILE.html [--redis URL | --from DIR]

One self-contained HTML file (nothing is loaded when it is opened): a chart per
counter across runs (the original experiment's seven graphs), IPC and miss
ratios, energy and joules per item per run, power over time with the runs
shaded and the idle baseline drawn, the nodes' fingerprints and the runs.
  --redis URL        read every node's records; default redis://127.0.0.1:6379
  --from DIR         read an export folder (runs.csv, power.csv) instead
  --key-prefix P     default powerprof
  --out FILE.html    where to write the report
  --config FILE, --log-level LEVEL
`;
