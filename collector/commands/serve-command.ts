import * as grpc from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import type { Logger } from 'pino';
import { loadIngestProto } from '../../proto/load-ingest-proto.js';
import { defaultBatchLimits } from '../../proto/record-rules.js';
import { collectorVersion } from '../collector-version.js';
import { portOf, type ServeConfig } from '../config.js';
import { hostOfAddress, isLoopbackHost } from '../../proto/loopback.js';
import { addIngestService } from '../ingest/ingest-service.js';
import { CollectorMetrics } from '../metrics/collector-metrics.js';
import { startMetricsServer } from '../metrics/metrics-server.js';
import { loadWebConfig } from '../metrics/web-config.js';
import { RecordStore } from '../queue/record-store.js';
import { createRedisClient, type RedisClient } from '../queue/redis-connection.js';
import { loadTokenFile } from '../auth/token-file.js';
import { serverCredentials } from '../auth/server-credentials.js';
import { SeriesBudget } from '../metrics/series-budget.js';
import { refusedCallsInterceptor } from '../ingest/refused-calls.js';
import { JobBoard } from '../jobs/job-board.js';
import { JobStore } from '../jobs/job-store.js';
import { IngestLoad } from '../ingest/ingest-load.js';
import { NodeRateLimiter } from '../ingest/node-rate-limiter.js';
import { redisKeys } from '../queue/redis-keys.js';

export interface RunningCollector {
  grpcPort: number;
  metricsPort: number;
  /** Idempotent: stops taking batches, lets in-flight ones finish, closes Redis. */
  shutdown(): Promise<void>;
}

const SHUTDOWN_GRACE_MS = 10_000;
const REDIS_STARTUP_WAIT_MS = 5_000;
const INGEST_SERVICE = 'powerprof.v1.Ingest';

/** `powerprof-collector serve`: gRPC ingest into Redis, /metrics for Prometheus. */
export async function startCollector(config: ServeConfig, logger: Logger): Promise<RunningCollector> {
  // Files first: a bad certificate, key, tokens or web config is a sentence at start.
  const credentials = serverCredentials(config, logger);
  const webConfig = loadWebConfig(config.web_config);
  const tokens = config.tokens_file === undefined ? undefined : loadTokenFile(config.tokens_file);
  // Fail fast instead of queueing while Redis is away: an unwritten batch must not be acked,
  // and the agent keeps it until a later try succeeds.
  const redis = createRedisClient(config.redis, config.redis_cluster, {
    // Commands of concurrent batches go out in one write: far fewer syscalls with many agents.
    enableAutoPipelining: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: 5_000,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
  });
  let redisErrorLogged = false;
  redis.on('error', (error: Error) => {
    if (!redisErrorLogged) logger.error({ redis: config.redis, err: error.message }, 'Redis unreachable; answering UNAVAILABLE until it is back');
    redisErrorLogged = true;
  });
  redis.on('ready', () => {
    redisErrorLogged = false;
    logger.info({ redis: config.redis }, 'Redis connected');
  });

  if (!(await becameReady(redis, REDIS_STARTUP_WAIT_MS))) {
    logger.warn({ redis: config.redis }, 'serving without Redis: batches are answered UNAVAILABLE until it is reachable');
  }

  const seriesBudget = new SeriesBudget(config.max_label_values, config.max_series_per_node);
  const metrics = new CollectorMetrics(seriesBudget);
  // Fleet experiments: new jobs are announced in Redis; this collector hands them to its agents.
  const jobStore = new JobStore(redis, redisKeys(config.key_prefix));
  const jobBoard = new JobBoard(jobStore, logger.child({ component: 'jobs' }));
  const jobWatch = redis.duplicate();
  jobWatch.on('error', () => undefined); // the main connection reports Redis trouble
  void jobBoard.watch(jobWatch);
  // Series of nodes silent past --node-expiry-s are removed, so a changing fleet does not grow them for ever.
  const expiry = setInterval(
    () => {
      void metrics.forgetSilentNodes(config.node_expiry_s * 1000).then((nodes) => {
        for (const node of nodes) seriesBudget.forget(node);
        if (nodes.length > 0) logger.info({ nodes, silentS: config.node_expiry_s }, 'removed the metric series of silent nodes');
      });
    },
    Math.min(60_000, (config.node_expiry_s * 1000) / 4),
  );
  expiry.unref();
  const store = new RecordStore(redis, redisKeys(config.key_prefix), config.retention_maxlen);
  redis.on('ready', () => store.forgetKnownNodes());
  // gRPC itself cuts off at twice the limit (memory); between the two, a batch is refused politely and counted.
  const server = new grpc.Server({
    'grpc.max_receive_message_length': 2 * config.max_message_bytes,
    // Every connection is pinged: one that cannot answer (its peer gone, or never past the HTTP/2 preface) is closed.
    'grpc.keepalive_time_ms': config.keepalive_s * 1000,
    'grpc.keepalive_timeout_ms': Math.max(1000, (config.keepalive_s * 1000) / 3),
    interceptors: [refusedCallsInterceptor(metrics, logger.child({ component: 'ingest' }))],
  });
  const ingest = addIngestService(server, {
    proto: loadIngestProto(),
    store,
    metrics,
    logger: logger.child({ component: 'ingest' }),
    limits: { ...defaultBatchLimits, maxRecordsPerBatch: config.max_records_per_batch },
    maxBatchBytes: config.max_message_bytes,
    access: { clientCertificates: config.tls_ca !== undefined, tokens },
    rateLimiter: new NodeRateLimiter(config.node_rate_limit, config.node_burst),
    load: new IngestLoad(config.max_inflight_records, config.max_inflight_bytes),
    byteRateLimiter: new NodeRateLimiter(config.node_byte_rate_limit, config.node_byte_burst),
    jobBoard,
    jobStore,
    collectorVersion,
  });
  warnAboutExposure(config, logger);
  // The standard gRPC health service: SERVING while Redis takes writes, for load balancers and probes.
  const health = new HealthImplementation({ '': 'NOT_SERVING', [INGEST_SERVICE]: 'NOT_SERVING' });
  const setServing = (serving: boolean): void => {
    for (const service of ['', INGEST_SERVICE]) health.setStatus(service, serving ? 'SERVING' : 'NOT_SERVING');
  };
  setServing(redis.status === 'ready');
  redis.on('ready', () => setServing(true));
  redis.on('end', () => setServing(false));
  redis.on('close', () => setServing(false));
  health.addToServer(server);
  // A port that is taken (or not ours to take) ends the start: nothing half-serving stays up for systemd to take for healthy.
  const abandon = (error: Error): never => {
    server.forceShutdown();
    clearInterval(expiry);
    jobBoard.stop();
    jobWatch.disconnect();
    redis.disconnect();
    throw error;
  };
  const grpcPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync(config.grpc_listen, credentials, (error, port) =>
      error ? reject(new Error(`cannot listen for gRPC on ${config.grpc_listen}: ${describeListenError(error)}`)) : resolve(port),
    );
  }).catch(abandon);
  const metricsServer = await startMetricsServer(
    hostOfAddress(config.metrics_listen),
    portOf(config.metrics_listen),
    metrics.registry,
    () => redis.status === 'ready',
    webConfig,
  ).catch((error: Error) => abandon(new Error(`cannot listen for metrics on ${config.metrics_listen}: ${describeListenError(error)}`)));
  logger.info(
    { grpc: `${hostOfAddress(config.grpc_listen)}:${grpcPort}`, metrics: `${hostOfAddress(config.metrics_listen)}:${metricsServer.port}`, redis: config.redis },
    'collector serving',
  );

  let shuttingDown: Promise<void> | undefined;
  return {
    grpcPort,
    metricsPort: metricsServer.port,
    shutdown: () =>
      (shuttingDown ??= (async () => {
        setServing(false);
        clearInterval(expiry);
        jobBoard.stop();
        jobWatch.disconnect();
        await new Promise<void>((resolve) => {
          const force = setTimeout(() => {
            server.forceShutdown();
            resolve();
          }, SHUTDOWN_GRACE_MS);
          server.tryShutdown(() => {
            clearTimeout(force);
            resolve();
          });
          void ingest.drain();
        });
        await metricsServer.close();
        redis.disconnect();
      })()),
  };
}

/** grpc-js words a taken port as "No address added out of total 1 resolved errors: [listen EADDRINUSE ...]": say it plainly. */
function describeListenError(error: Error): string {
  const errno = /\b(EADDRINUSE|EACCES|EADDRNOTAVAIL)\b/.exec(error.message)?.[1];
  if (errno === 'EADDRINUSE') return 'the port is in use by another process (is another collector running? ss -ltnp shows who holds it)';
  if (errno === 'EACCES') return 'permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)';
  if (errno === 'EADDRNOTAVAIL') return 'no interface of this machine has that address';
  return error.message;
}

/** Says at start what an operator must know about who can write. */
function warnAboutExposure(config: ServeConfig, logger: Logger): void {
  if (isLoopbackHost(hostOfAddress(config.grpc_listen))) return;
  if (config.tls_cert === undefined) {
    logger.warn(
      { grpc: config.grpc_listen },
      'plaintext gRPC on a network address (--insecure): anyone who can reach it can write as any node, and read tokens off the wire',
    );
  } else if (config.tls_ca === undefined && config.tokens_file === undefined) {
    logger.warn({ grpc: config.grpc_listen }, 'TLS without client authentication: any client can write as any node; add --tls-ca (mTLS) or --tokens-file');
  }
}

/** Resolves true once Redis is ready, false after waitMs. */
function becameReady(redis: RedisClient, waitMs: number): Promise<boolean> {
  if (redis.status === 'ready') return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      redis.off('ready', onReady);
      resolve(false);
    }, waitMs);
    const onReady = (): void => {
      clearTimeout(timer);
      resolve(true);
    };
    redis.once('ready', onReady);
  });
}
