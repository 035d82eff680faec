export const collectorHelp = `powerprof-collector: receive agents' records, store them in Redis, serve Prometheus metrics

Usage:
  powerprof-collector serve  [options]
  powerprof-collector sink   --dir DIR [--redis URL]
  powerprof-collector export --out DIR [--redis URL] [--history DIR]
  powerprof-collector report --out FILE.html [--redis URL [--history DIR] | --from DIR]
  powerprof-collector experiment start --nodes SELECTOR [options] -- WORKLOAD
  powerprof-collector experiment status ID
  powerprof-collector hash-token [NODE_ID...] < TOKEN
  powerprof-collector --version | --help

Commands:
  serve   gRPC ingest (default 127.0.0.1:50051) into Redis Streams,
          /metrics, /healthz, /readyz (default 127.0.0.1:9464)
  sink    drain every node's stream into Parquet history files under DIR
          (table=.../node=.../date=.../*.parquet), then trim them from Redis
  export  write runs.csv, power.csv and counters.csv from Redis (and history) to DIR
  report  one self-contained HTML file with the charts, from Redis or an export DIR
  experiment  run a workload on connected agents (their daemons), and follow it
  hash-token  read a bearer token on stdin, print its entry for --tokens-file

Run "powerprof-collector serve --help", "... sink --help", "... export --help" or "... report --help" for options.
`;

export const serveHelp = `Usage: powerprof-collector serve [options]

Options (config file key / environment variable in brackets):
  --config FILE              YAML file with any option below (top level or under "collector:")
  --grpc-listen HOST:PORT    gRPC ingest address; default 127.0.0.1:50051
                             [grpc_listen / POWERPROF_GRPC_LISTEN]
  --metrics-listen HOST:PORT /metrics, /healthz, /readyz; default 127.0.0.1:9464
                             [metrics_listen / POWERPROF_METRICS_LISTEN]
  --redis URL                default redis://127.0.0.1:6379   [redis / POWERPROF_REDIS]
  --redis-cluster            Redis Cluster: --redis lists seed nodes, comma-separated
  --key-prefix P             prefix of every Redis key; default powerprof
                             [key_prefix / POWERPROF_KEY_PREFIX]
  --retention-maxlen N       keep about N records per node stream (XADD MAXLEN ~);
                             0 keeps all; default 1000000   [retention_maxlen / ...]
  --max-records-per-batch N  refuse larger batches; default 10000
  --max-message-bytes N      largest batch accepted (agents learn it at Hello);
                             default 16777216
  --node-rate-limit N        records per second per node, past a burst of
                             --node-burst (default 200000); beyond, batches are
                             answered RESOURCE_EXHAUSTED with a wait; default 20000
  --max-label-values N       distinct values per node of each metric label (event,
                             sensor, workload, ...); a series bringing more is not
                             made (counted; the record is stored); default 1000
  --max-series-per-node N    Prometheus series per node at most, whatever the
                             label values combine to; past it, new series are
                             not made (counted; records stored); default 5000
  --max-inflight-records N   unwritten records held at most (Redis slower than the
                             agents); past it, RESOURCE_EXHAUSTED with a wait; default 20000
  --max-inflight-bytes N     unwritten bytes held at most over all streams (batches,
                             and the JSON being written); past it every stream is
                             paused until half is written; default 67108864
  --node-byte-rate-limit N   bytes a second one node may add to Redis (as stored),
                             past a burst of --node-byte-burst (default 268435456);
                             beyond, RESOURCE_EXHAUSTED with a wait; default 8388608
  --node-expiry-s S          remove the series of a node silent this long; default 86400
  --keepalive-s S            ping each gRPC connection this often; one that does not
                             answer within a third of it (a peer gone, or one that
                             never finished the HTTP/2 handshake) is closed; default 60

Security:
  --tls-cert FILE --tls-key FILE   serve gRPC over TLS (the key must not be
                             readable by others)
  --tls-ca FILE              mTLS: require client certificates signed by this CA;
                             a node writes only as the CN or a DNS name of its
                             certificate (deploy/tls/issue-certs.sh makes them)
  --tokens-file FILE         require a bearer token; the file maps each token's
                             SHA-256 to the node ids it may write (hash-token)
  --web-config FILE          TLS and basic auth for the metrics port, in the
                             format of Prometheus' exporter-toolkit
  --insecure                 allow plaintext gRPC on a non-loopback address
                             (without it, a non-loopback --grpc-listen needs TLS)
  --log-level LEVEL          fatal, error, warn, info, debug, trace, silent; default info
  -h, --help                 this text

Precedence: flags > environment > config file > defaults. Exit status 2 for bad usage.
`;

export const exportHelp = `Usage: powerprof-collector export --out DIR [--redis URL] [--history DIR] [--key-prefix P]

Writes DIR/runs.csv (one row per run, one column per counter event),
DIR/power.csv and DIR/counters.csv from every node's records in Redis.
  --redis URL        default redis://127.0.0.1:6379   [POWERPROF_REDIS]
  --history DIR      also the Parquet history the sink wrote there (what it
                     trimmed from Redis): each record once   [POWERPROF_HISTORY]
  --key-prefix P     default powerprof                [POWERPROF_KEY_PREFIX]
  --config FILE      YAML file with these options
  --log-level LEVEL  default info
`;

export const reportHelp = `Usage: powerprof-collector report --out FILE.html [--redis URL [--experiment ID] | --from DIR]

One self-contained HTML file (nothing is loaded when it is opened): a chart per
counter across runs (the original experiment's seven graphs), IPC and miss
ratios, energy and joules per item per run, power over time with the runs
shaded and the idle baseline drawn, the nodes side by side (seconds per run,
items/s, J/item, IPC, watts; a node more than 20 % off the median is flagged an
outlier), the nodes' fingerprints and the runs.
  --redis URL        read every node's records; default redis://127.0.0.1:6379
  --experiment ID    only that experiment's runs (a fleet job's id), and the
                     power while they ran
  --history DIR      also the Parquet history the sink wrote there, so that
                     a report covers what Redis no longer holds
  --from DIR         read an export folder (runs.csv, power.csv) instead
  --key-prefix P     default powerprof
  --out FILE.html    where to write the report
  --config FILE, --log-level LEVEL
`;

export const hashTokenHelp = `Usage: powerprof-collector hash-token [NODE_ID...] < TOKEN

Reads a bearer token (one line) on stdin and prints its entry for the
collector's --tokens-file: the token's SHA-256 and the node ids it may write
as ("*": any). The token itself is never stored by the collector. Make one with
  openssl rand -hex 32 > node.token; chmod 600 node.token
and give it to the agent with --token-file node.token.
`;

export const experimentHelp = `Usage:
  powerprof-collector experiment start --nodes SELECTOR [options] -- WORKLOAD
  powerprof-collector experiment status ID [--redis URL]

start announces a job in Redis; every serving collector sends it to its agents
whose daemon is connected and whose node id SELECTOR names ("all", or ids and
globs, comma-separated: "p9-*,x86-01"). An agent runs it only if WORKLOAD is a
name in its own config's workloads (its allow-list): the network never sends a
command. The runs carry the job id as their experiment id.

  --nodes SELECTOR      which nodes (required)
  --repeat N            measured runs on each node; default 1
  --warmup N            runs before those; default 0
  --events LIST         perf events; default each agent's own
  --interval-ms N       counter intervals; default 0 (off)
  --wait-s S            how long start waits to say which nodes got it; default 3
  --redis URL, --redis-cluster, --key-prefix P   as for serve

status prints, per node, what became of it (sent, accepted, refused with why,
running, done, failed) and the runs recorded; then
  powerprof-collector report --experiment ID --out report.html
compares the nodes side by side.
`;

export const sinkHelp = `Usage: powerprof-collector sink --dir DIR [options]

Drains every node's Redis stream into Parquet files, partitioned as Spark,
Trino, DuckDB and pandas read them:
  DIR/table=runs|power|counters|node_info|status/node=NODE/date=YYYY-MM-DD/FIRST_LAST.parquet
(FIRST and LAST: the stream IDs of the batch; date: the UTC day the collector
stored the record). A batch is acknowledged and trimmed from Redis only after
its files are synced and renamed into place; a sink killed at any point writes
the same batch again when it (or another) comes back, so each record is in the
history exactly once. A full or failing disk stops the sink from acknowledging:
the records wait in Redis. Several sinks may run: each node's stream is read by
one at a time (a lease), through the consumer group "powerprof-sink".

Options (config file key / environment variable in brackets):
  --dir DIR              the history's root folder (required)   [dir / POWERPROF_DIR]
  --redis URL            default redis://127.0.0.1:6379   [redis / POWERPROF_REDIS]
  --redis-cluster        URL lists Redis Cluster seed nodes   [redis_cluster]
  --key-prefix P         default powerprof   [key_prefix / POWERPROF_KEY_PREFIX]
  --consumer NAME        this sink's name in the group (XINFO CONSUMERS shows
                         it); default the host name   [consumer]
  --threads N            worker threads, each reading, encoding and writing its
                         share of the nodes on a core of its own; default the
                         number of CPUs, at most 4   [threads]
  --batch-records N      the most records a batch (one file per table and day)
                         takes; default 20000   [batch_records]
  --flush-interval-s S   write a node's records once the oldest has waited this
                         long, however few; default 300   [flush_interval_s]
  --lease-s S            how long a node stays with a sink that stopped
                         answering before another takes it over; default 60
  --poll-s S             how often to look for records; default 1
  --metrics-listen HOST:PORT  /metrics (records written, backlog, failures),
                         /healthz, /readyz; default 127.0.0.1:9465   [metrics_listen]
  --config FILE          YAML file with any option above (top level or under "collector:")
  --log-level LEVEL      fatal, error, warn, info, debug, trace, silent; default info
`;
