import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';
import { hostOfAddress, isLoopbackHost } from '../proto/loopback.js';

/**
 * The collector's configuration: defaults < YAML file (--config) < environment
 * (POWERPROF_*) < flags, validated once, every problem listed in one error.
 * Nothing else in the collector reads process.env.
 */

export class UsageError extends Error {
  readonly code = 'USAGE';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/;
const booleanText = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1');
const redisUrl = z
  .string()
  .regex(/^rediss?:\/\/[^,]+(,\s*rediss?:\/\/[^,]+)*$/, 'must be a redis:// or rediss:// URL (with --redis-cluster, a comma-separated list of seed nodes)')
  .default('redis://127.0.0.1:6379');
const redisCluster = booleanText.default(false);
const keyPrefix = z
  .string()
  .regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"')
  .default('powerprof');

const serveSchema = z
  .object({
    grpc_listen: z.string().regex(HOST_PORT, 'must be HOST:PORT').default('127.0.0.1:50051'),
    metrics_listen: z.string().regex(HOST_PORT, 'must be HOST:PORT').default('127.0.0.1:9464'),
    redis: redisUrl,
    redis_cluster: redisCluster,
    key_prefix: keyPrefix,
    retention_maxlen: z.coerce.number().int().min(0).default(1_000_000),
    max_records_per_batch: z.coerce.number().int().min(1).default(10_000),
    max_message_bytes: z.coerce
      .number()
      .int()
      .min(1024)
      .default(16 * 1024 * 1024),
    tls_cert: z.string().min(1).optional(),
    tls_key: z.string().min(1).optional(),
    tls_ca: z.string().min(1).optional(),
    tokens_file: z.string().min(1).optional(),
    web_config: z.string().min(1).optional(),
    node_rate_limit: z.coerce.number().positive().default(20_000),
    node_burst: z.coerce.number().int().positive().default(200_000),
    max_label_values: z.coerce.number().int().positive().default(1_000),
    max_series_per_node: z.coerce.number().int().positive().default(5_000),
    max_inflight_records: z.coerce.number().int().positive().default(20_000),
    max_inflight_bytes: z.coerce
      .number()
      .int()
      .min(1024 * 1024)
      .default(64 * 1024 * 1024),
    node_byte_rate_limit: z.coerce
      .number()
      .positive()
      .default(8 * 1024 * 1024),
    node_byte_burst: z.coerce
      .number()
      .int()
      .positive()
      .default(256 * 1024 * 1024),
    node_expiry_s: z.coerce.number().positive().default(86_400),
    keepalive_s: z.coerce.number().positive().default(60),
    insecure: booleanText.default(false),
    log_level: z.enum(LOG_LEVELS).default('info'),
  })
  .strict()
  .superRefine((config, context) => {
    const problem = (path: string, message: string): void => context.addIssue({ code: z.ZodIssueCode.custom, path: [path], message });
    if ((config.tls_cert === undefined) !== (config.tls_key === undefined)) problem('tls_cert', 'needs --tls-key with it (and --tls-key needs --tls-cert)');
    if (config.tls_ca !== undefined && config.tls_cert === undefined)
      problem('tls_ca', 'requires client certificates over TLS: give --tls-cert and --tls-key too');
    if (!isLoopbackHost(hostOfAddress(config.grpc_listen)) && config.tls_cert === undefined && !config.insecure) {
      problem(
        'grpc_listen',
        `${config.grpc_listen} is not a loopback address, and plaintext from the network is refused. ` +
          'Enable TLS with --tls-cert FILE --tls-key FILE (and --tls-ca FILE to require client certificates; deploy/tls/issue-certs.sh makes them), ' +
          'or pass --insecure on a network you trust',
      );
    }
  });

const historyDir = z.string().min(1).optional();

const exportSchema = z
  .object({
    redis: redisUrl,
    redis_cluster: redisCluster,
    key_prefix: keyPrefix,
    history: historyDir,
    out: z.string().min(1),
    log_level: z.enum(LOG_LEVELS).default('info'),
  })
  .strict();

const sinkSchema = z
  .object({
    redis: redisUrl,
    redis_cluster: redisCluster,
    key_prefix: keyPrefix,
    dir: z.string({ required_error: 'say where the history goes: --dir DIR (a local folder, or one on shared storage)' }).min(1),
    consumer: z
      .string()
      .regex(/^[A-Za-z0-9._-]{1,64}$/, 'must be 1-64 letters, digits, ".", "_" or "-"')
      .optional(),
    threads: z.coerce
      .number()
      .int()
      .min(1)
      .max(64)
      .default(() => Math.min(4, availableParallelism())),
    batch_records: z.coerce.number().int().min(1).max(1_000_000).default(20_000),
    flush_interval_s: z.coerce.number().min(0).default(300),
    lease_s: z.coerce.number().min(1).default(60),
    poll_s: z.coerce.number().min(0.01).default(1),
    metrics_listen: z.string().regex(HOST_PORT, 'must be HOST:PORT').default('127.0.0.1:9465'),
    log_level: z.enum(LOG_LEVELS).default('info'),
  })
  .strict();

const reportSchema = z
  .object({
    redis: redisUrl,
    redis_cluster: redisCluster,
    key_prefix: keyPrefix,
    experiment: z.string().min(1).optional(),
    from: z.string().min(1).optional(),
    history: historyDir,
    out: z.string().min(1),
    log_level: z.enum(LOG_LEVELS).default('info'),
  })
  .strict();

export type ReportConfig = Readonly<z.infer<typeof reportSchema>>;
export type ServeConfig = Readonly<z.infer<typeof serveSchema>>;
export type ExportConfig = Readonly<z.infer<typeof exportSchema>>;
export type SinkConfig = Readonly<z.infer<typeof sinkSchema>>;

const serveFlags = {
  config: { type: 'string' },
  'grpc-listen': { type: 'string' },
  'metrics-listen': { type: 'string' },
  redis: { type: 'string' },
  'redis-cluster': { type: 'boolean' },
  'key-prefix': { type: 'string' },
  'retention-maxlen': { type: 'string' },
  'max-records-per-batch': { type: 'string' },
  'max-message-bytes': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tokens-file': { type: 'string' },
  'web-config': { type: 'string' },
  'node-rate-limit': { type: 'string' },
  'node-burst': { type: 'string' },
  'max-label-values': { type: 'string' },
  'max-series-per-node': { type: 'string' },
  'max-inflight-records': { type: 'string' },
  'max-inflight-bytes': { type: 'string' },
  'node-byte-rate-limit': { type: 'string' },
  'node-byte-burst': { type: 'string' },
  'node-expiry-s': { type: 'string' },
  'keepalive-s': { type: 'string' },
  insecure: { type: 'boolean' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const exportFlags = {
  config: { type: 'string' },
  redis: { type: 'string' },
  'redis-cluster': { type: 'boolean' },
  'key-prefix': { type: 'string' },
  history: { type: 'string' },
  out: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const sinkFlags = {
  config: { type: 'string' },
  redis: { type: 'string' },
  'redis-cluster': { type: 'boolean' },
  'key-prefix': { type: 'string' },
  dir: { type: 'string' },
  consumer: { type: 'string' },
  threads: { type: 'string' },
  'batch-records': { type: 'string' },
  'flush-interval-s': { type: 'string' },
  'lease-s': { type: 'string' },
  'poll-s': { type: 'string' },
  'metrics-listen': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

const reportFlags = {
  config: { type: 'string' },
  redis: { type: 'string' },
  'redis-cluster': { type: 'boolean' },
  'key-prefix': { type: 'string' },
  from: { type: 'string' },
  history: { type: 'string' },
  experiment: { type: 'string' },
  out: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type Loaded<T> = { help: true } | { help: false; config: T };

const experimentStartSchema = z
  .object({
    redis: redisUrl,
    redis_cluster: redisCluster,
    key_prefix: keyPrefix,
    nodes: z.string().min(1, 'say which nodes: ids or globs, comma-separated, or "all"'),
    repeat: z.coerce.number().int().min(1).max(100_000).default(1),
    warmup: z.coerce.number().int().min(0).max(1_000).default(0),
    events: z.string().min(1).optional(),
    interval_ms: z.coerce.number().int().min(0).default(0),
    wait_s: z.coerce.number().min(0).max(600).default(3),
    log_level: z.enum(LOG_LEVELS).default('warn'),
  })
  .strict();
const experimentStartFlags = {
  config: { type: 'string' },
  redis: { type: 'string' },
  'redis-cluster': { type: 'boolean' },
  'key-prefix': { type: 'string' },
  nodes: { type: 'string' },
  repeat: { type: 'string' },
  warmup: { type: 'string' },
  events: { type: 'string' },
  'interval-ms': { type: 'string' },
  'wait-s': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
export type ExperimentStartConfig = Readonly<z.infer<typeof experimentStartSchema> & { workload: string }>;

/** `experiment start [options] -- WORKLOAD`: a workload name (the agents' allow-lists say what it runs). */
export function loadExperimentStartConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Loaded<ExperimentStartConfig> {
  const separator = argv.indexOf('--');
  const after = separator === -1 ? [] : argv.slice(separator + 1);
  const loaded = load(
    separator === -1 ? argv : argv.slice(0, separator),
    env,
    experimentStartFlags,
    experimentStartSchema,
    Object.keys(experimentStartSchema.shape),
  );
  if (loaded.help) return loaded;
  if (after.length !== 1 || !/^[\w.:-]{1,128}$/.test(after[0]!)) {
    throw new UsageError('give one workload name after "--", as the agents\' configs name it (their allow-lists): experiment start --nodes all -- resnet50');
  }
  return { help: false, config: Object.freeze({ ...loaded.config, workload: after[0]! }) };
}

const experimentStatusSchema = z
  .object({ redis: redisUrl, redis_cluster: redisCluster, key_prefix: keyPrefix, log_level: z.enum(LOG_LEVELS).default('warn') })
  .strict();
const experimentStatusFlags = {
  config: { type: 'string' },
  redis: { type: 'string' },
  'redis-cluster': { type: 'boolean' },
  'key-prefix': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
export type ExperimentStatusConfig = Readonly<z.infer<typeof experimentStatusSchema> & { job_id: string }>;

export function loadExperimentStatusConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Loaded<ExperimentStatusConfig> {
  // experiment status ID [options]
  const id = argv[0] !== undefined && !argv[0].startsWith('-') ? argv[0] : undefined;
  const rest = id === undefined ? argv : argv.slice(1);
  const loaded = load(rest, env, experimentStatusFlags, experimentStatusSchema, Object.keys(experimentStatusSchema.shape));
  if (loaded.help) return loaded;
  if (id === undefined) throw new UsageError('give the experiment id that "experiment start" printed: experiment status ID');
  return { help: false, config: Object.freeze({ ...loaded.config, job_id: id }) };
}

export function loadServeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Loaded<ServeConfig> {
  return load(argv, env, serveFlags, serveSchema, Object.keys(serveSchema._def.schema.shape));
}

export function loadReportConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Loaded<ReportConfig> {
  const loaded = load(argv, env, reportFlags, reportSchema, Object.keys(reportSchema.shape));
  if (!loaded.help && loaded.config.from !== undefined && loaded.config.history !== undefined)
    throw new UsageError("--from reads an export folder (CSV) and --history the sink's Parquet history (with Redis): give one of them");
  return loaded;
}

export function loadSinkConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Loaded<SinkConfig> {
  return load(argv, env, sinkFlags, sinkSchema, Object.keys(sinkSchema.shape));
}

export function loadExportConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Loaded<ExportConfig> {
  return load(argv, env, exportFlags, exportSchema, Object.keys(exportSchema.shape));
}

type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

function load<T>(argv: readonly string[], env: NodeJS.ProcessEnv, flags: FlagSpec, schema: z.ZodType<T, z.ZodTypeDef, unknown>, keys: string[]): Loaded<T> {
  let parsedFlags: { values: Record<string, string | boolean | undefined>; positionals: string[] };
  try {
    // parseArgs types its result only for a literal table of flags.
    const parsed: unknown = parseArgs({ args: [...argv], options: flags, allowPositionals: true, strict: true });
    parsedFlags = parsed as typeof parsedFlags;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsedFlags;
  if (values.help === true) return { help: true };
  const problems: string[] = [];
  if (positionals.length > 0) problems.push(`unexpected argument "${positionals[0]}"`);
  const fromFile = typeof values.config === 'string' ? readConfigFile(values.config, problems) : {};
  const fromEnv: Record<string, string> = {};
  for (const key of keys) {
    const value = env[`POWERPROF_${key.toUpperCase()}`];
    if (value !== undefined && value !== '') fromEnv[key] = value;
  }
  const fromFlags = Object.fromEntries(
    Object.entries(values)
      .filter(([name]) => name !== 'config' && name !== 'help')
      .map(([name, value]) => [name.replaceAll('-', '_'), value]),
  );
  const parsed = schema.safeParse({ ...fromFile, ...fromEnv, ...fromFlags });
  if (!parsed.success) problems.push(...parsed.error.issues.map(describeIssue));
  if (problems.length > 0 || !parsed.success) throw new UsageError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return { help: false, config: Object.freeze(parsed.data) };
}

function readConfigFile(path: string, problems: string[]): Record<string, unknown> {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    problems.push(
      error instanceof YAMLParseError || code === undefined
        ? `config file "${path}" is not valid YAML: ${(error as Error).message.split('\n')[0]!.replace(/:$/, '')}`
        : `cannot read config file "${path}": ${code}`,
    );
    return {};
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    problems.push(`config file "${path}" must be a mapping of option: value`);
    return {};
  }
  // The collector's section, or the whole file when it has none.
  const section = 'collector' in document ? document.collector : document;
  return Object.fromEntries(Object.entries(section as object).map(([key, value]) => [key.replaceAll('-', '_'), value]));
}

function describeIssue(issue: z.ZodIssue): string {
  if (issue.code === 'unrecognized_keys') return `unknown option${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
  return `${issue.path.join('.').replaceAll('_', '-')}: ${issue.message}`;
}

export function portOf(hostPort: string): number {
  return Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
}
