import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { eventPresets } from './perf/event-presets.js';
import { findExecutable } from './workload/command-path.js';
import { commaList } from './comma-list.js';
import { powerSourceFlags, powerSourceNames, powerSourceOptions, primaryOrder } from './power/power-sources.js';
import { UsageError } from './usage-error.js';

/**
 * The agent's configuration: defaults < YAML file (--config) < environment
 * (POWERPROF_*) < flags, validated once, every problem listed in one error.
 * Nothing else in the agent reads process.env.
 */

const ENV_ONLY_KEYS = ['ipmi_password', 'token'];
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
/** The node's name; by default the hostname, which is not always a valid one (an initramfs's "(none)"). */
const nodeIdOption = z
  .string()
  .regex(
    NODE_ID,
    `must be 1-128 letters, digits, ".", "_" or "-"${NODE_ID.test(hostname()) ? '' : ` (the default is this host's name, "${hostname()}", which is not one: set --node-id, node_id or POWERPROF_NODE_ID)`}`,
  )
  .default(hostname());
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/;

const booleanText = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1');
const eventList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : splitEventList(value)).map((e) => e.trim()).filter((e) => e !== ''))
  .pipe(z.array(z.string()).min(1, 'needs at least one event'));

/** 1073741824, "1GiB", "64 MiB", "512k": a number of bytes. */
const byteSize = z.union([z.number(), z.string()]).transform((value, context) => {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(String(value));
  if (match === null) {
    context.addIssue({ code: z.ZodIssueCode.custom, message: 'must be a size in bytes, like 1073741824, 512MiB or 1GiB' });
    return z.NEVER;
  }
  const power = 'bkmgt'.indexOf((match[2] || 'b').toLowerCase());
  return Math.floor(Number(match[1]) * 1024 ** power);
});

/** Power sources and energy: shared by run and probe. Each source's own options come with it (power/sources/). */
const powerOptions = {
  power: commaList.pipe(z.array(z.enum(['auto', 'none', ...powerSourceNames])).min(1)).default(['auto']),
  power_period_ms: z.coerce.number().int().min(50).max(3_600_000).default(1000),
  power_timeout: z.coerce.number().positive().max(600).default(5),
  power_primary: z.enum(primaryOrder).optional(),
  idle_s: z.coerce.number().min(0).max(3600).default(10),
  ...powerSourceOptions,
};

const powerFlags = {
  power: { type: 'string' },
  'power-period-ms': { type: 'string' },
  'power-timeout': { type: 'string' },
  'power-primary': { type: 'string' },
  'idle-s': { type: 'string' },
  ...powerSourceFlags,
} as const;

/** The durable spool and delivery: shared by run and flush. */
const spoolOptions = {
  spool: z.string().min(1).optional(),
  spool_max_bytes: byteSize
    .pipe(
      z
        .number()
        .int()
        .min(64 * 1024, 'must be at least 64KiB'),
    )
    .default(1024 ** 3),
  spool_fsync: z.enum(['runs', 'always']).default('runs'),
  retry_max_s: z.coerce.number().min(0.1).max(3600).default(10),
  tls_ca: z.string().min(1).optional(),
  tls_cert: z.string().min(1).optional(),
  tls_key: z.string().min(1).optional(),
  tls_server_name: z.string().min(1).optional(),
  token_file: z.string().min(1).optional(),
  token: z.string().min(1).optional(),
};

const spoolFlags = {
  spool: { type: 'string' },
  'spool-max-bytes': { type: 'string' },
  'spool-fsync': { type: 'string' },
  'retry-max-s': { type: 'string' },
  'tls-ca': { type: 'string' },
  'tls-cert': { type: 'string' },
  'tls-key': { type: 'string' },
  'tls-server-name': { type: 'string' },
  'token-file': { type: 'string' },
} as const;

const runOptions = z.object({
  collector: z.string().regex(HOST_PORT, 'must be HOST:PORT').default('127.0.0.1:50051'),
  node_id: nodeIdOption,
  repeat: z.coerce.number().int().min(1).max(1_000_000).default(1),
  events: eventList.default([...eventPresets.default!]),
  warmup: z.coerce.number().int().min(0).max(1_000).default(0),
  until_rsd: z.coerce.number().positive().max(100).optional(),
  max_repeat: z.coerce.number().int().min(1).max(1_000_000).default(100),
  interval_ms: z.coerce
    .number()
    .int()
    .refine((ms) => ms === 0 || ms >= 10, 'must be 0 (off) or at least 10')
    .default(0),
  no_multiplex: booleanText.default(false),
  pmu_counters: z.coerce.number().int().min(1).max(64).optional(),
  items_key: z.string().min(1).max(64).default('items'),
  timeout: z.coerce.number().min(0).default(0),
  kill_grace: z.coerce.number().min(0).default(5),
  pause_s: z.coerce.number().min(0).max(3600).default(0),
  sysfs_root: z.string().min(1).default('/sys'),
  ...powerOptions,
  csv: z.string().min(1).optional(),
  ...spoolOptions,
  no_perf: booleanText.default(false),
  perf_path: z.string().min(1).default('perf'),
  workload: z
    .string()
    .regex(/^[\w.:-]{1,128}$/, 'must be 1-128 letters, digits, ".", ":", "_" or "-"')
    .optional(),
  workload_user: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9._-]{0,31}\$?$/, 'must be a user name')
    .optional(),
  flush_timeout: z.coerce.number().min(0).default(30),
  log_level: z.enum(LOG_LEVELS).default('info'),
});

// A file shared with the daemon may hold its workloads and schedule: run ignores them.
const runSchema = runOptions
  .extend({ workloads: z.unknown().optional(), schedule: z.unknown().optional() })
  .strict()
  .superRefine((config, context) => {
    if (config.until_rsd !== undefined && config.max_repeat < config.repeat) {
      context.addIssue({ code: z.ZodIssueCode.custom, path: ['max_repeat'], message: `${config.max_repeat} is below --repeat ${config.repeat}` });
    }
  });

export type RunConfig = Readonly<z.infer<typeof runSchema> & { spool: string; command: readonly string[] }>;

/** Options of `run`, as util.parseArgs wants them; the keys are the flag names. */
const runFlags = {
  config: { type: 'string' },
  collector: { type: 'string' },
  'node-id': { type: 'string' },
  repeat: { type: 'string' },
  events: { type: 'string' },
  warmup: { type: 'string' },
  'until-rsd': { type: 'string' },
  'max-repeat': { type: 'string' },
  'interval-ms': { type: 'string' },
  'no-multiplex': { type: 'boolean' },
  'pmu-counters': { type: 'string' },
  'items-key': { type: 'string' },
  timeout: { type: 'string' },
  'kill-grace': { type: 'string' },
  'pause-s': { type: 'string' },
  'sysfs-root': { type: 'string' },
  ...powerFlags,
  csv: { type: 'string' },
  ...spoolFlags,
  'no-perf': { type: 'boolean' },
  'perf-path': { type: 'string' },
  workload: { type: 'string' },
  'workload-user': { type: 'string' },
  'flush-timeout': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type RunArgs = { help: true } | { help: false; config: RunConfig };

/**
 * The daemon: run's options for everything (power, spool, transport, and
 * the defaults of experiments), plus the allow-list of workloads by name,
 * and the schedule. Only the config file can name commands.
 */
const WORKLOAD_NAME = /^[\w.:-]{1,128}$/;
const scheduleEntry = z
  .object({
    workload: z.string().regex(WORKLOAD_NAME),
    every_s: z.coerce.number().min(1),
    first_after_s: z.coerce.number().min(0).optional(),
    repeat: z.coerce.number().int().min(1).max(1_000_000).optional(),
    warmup: z.coerce.number().int().min(0).max(1_000).optional(),
    events: eventList.optional(),
    interval_ms: z.coerce.number().int().min(0).optional(),
    timeout: z.coerce.number().min(0).optional(),
    idle_s: z.coerce.number().min(0).max(3600).optional(),
  })
  .strict();

const daemonSchema = runOptions
  .extend({
    workloads: z
      .record(
        z.string().regex(WORKLOAD_NAME, 'workload names are 1-128 letters, digits, ".", ":", "_" or "-"'),
        z.array(z.string().min(1)).min(1, 'needs a command'),
      )
      .default({}),
    schedule: z.array(scheduleEntry).default([]),
  })
  .strict()
  .superRefine((config, context) => {
    for (const [index, entry] of config.schedule.entries()) {
      if (config.workloads[entry.workload] === undefined) {
        context.addIssue({
          code: z.ZodIssueCode.custom,
          path: ['schedule', index, 'workload'],
          message: `"${entry.workload}" is not in workloads (the allow-list)`,
        });
      }
    }
  });

export type ScheduleEntry = z.infer<typeof scheduleEntry>;
export type DaemonConfig = Readonly<z.infer<typeof daemonSchema> & { spool: string }>;

const daemonFlags = {
  config: { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `daemon --config FILE`: everything else comes from the file (and POWERPROF_* for secrets). */
export function loadDaemonConfig(argv: readonly string[], env: NodeJS.ProcessEnv): { help: true } | { help: false; config: DaemonConfig } {
  const problems: string[] = [];
  if (!argv.includes('--config') && !argv.includes('-h') && !argv.includes('--help'))
    problems.push('the daemon takes its configuration from a file: --config /etc/powerprof/agent.yaml');
  const loaded = loadLayered(argv, env, daemonFlags, daemonSchema, problems, '');
  if (loaded.help) return loaded;
  return { help: false, config: Object.freeze({ ...loaded.config, spool: loaded.config.spool ?? defaultSpool(env) }) };
}

export function loadRunConfig(argv: readonly string[], env: NodeJS.ProcessEnv): RunArgs {
  const separator = argv.indexOf('--');
  const command = separator === -1 ? [] : argv.slice(separator + 1);
  const problems: string[] = [];
  if (command.length === 0) problems.push('no workload: give the command after "--", e.g. powerprof-agent run -- python3 resnet50.py');
  const found = command.length === 0 ? undefined : findExecutable(command[0]!, env);
  if (found?.ok === false) problems.push(`the workload "${command[0]}": ${found.error}`);
  const loaded = loadLayered(separator === -1 ? argv : argv.slice(0, separator), env, runFlags, runSchema, problems, 'put the workload after "--"');
  if (loaded.help) return loaded;
  return { help: false, config: Object.freeze({ ...loaded.config, spool: loaded.config.spool ?? defaultSpool(env), command: Object.freeze([...command]) }) };
}

/** /var/lib/powerprof/spool for root (the service), else under the user's XDG state directory. */
export function defaultSpool(env: NodeJS.ProcessEnv): string {
  if (process.getuid?.() === 0) return '/var/lib/powerprof/spool';
  const state = env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME !== '' ? env.XDG_STATE_HOME : join(homedir(), '.local', 'state');
  return join(state, 'powerprof', 'spool');
}

const flushSchema = z
  .object({
    collector: z.string().regex(HOST_PORT, 'must be HOST:PORT').default('127.0.0.1:50051'),
    node_id: nodeIdOption,
    ...spoolOptions,
    flush_timeout: z.coerce.number().min(0).default(30),
    log_level: z.enum(LOG_LEVELS).default('info'),
  })
  // A config file shared with run may hold run's keys: flush ignores them.
  .strip();

export type FlushConfig = Readonly<z.infer<typeof flushSchema> & { spool: string }>;

const flushFlags = {
  config: { type: 'string' },
  collector: { type: 'string' },
  'node-id': { type: 'string' },
  ...spoolFlags,
  'flush-timeout': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function loadFlushConfig(argv: readonly string[], env: NodeJS.ProcessEnv): { help: true } | { help: false; config: FlushConfig } {
  const loaded = loadLayered(argv, env, flushFlags, flushSchema, [], '');
  if (loaded.help) return loaded;
  return { help: false, config: Object.freeze({ ...loaded.config, spool: loaded.config.spool ?? defaultSpool(env) }) };
}

const probeSchema = z
  .object({
    node_id: nodeIdOption,
    events: eventList.default(['auto']),
    perf_path: z.string().min(1).default('perf'),
    sysfs_root: z.string().min(1).default('/sys'),
    proc_root: z.string().min(1).default('/proc'),
    ...powerOptions,
    log_level: z.enum(LOG_LEVELS).default('warn'),
  })
  // A config file shared with run may hold run's keys: probe ignores them.
  .strip();

export type ProbeConfig = Readonly<z.infer<typeof probeSchema>>;

const probeFlags = {
  config: { type: 'string' },
  'node-id': { type: 'string' },
  events: { type: 'string' },
  'perf-path': { type: 'string' },
  'sysfs-root': { type: 'string' },
  'proc-root': { type: 'string' },
  ...powerFlags,
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export function loadProbeConfig(argv: readonly string[], env: NodeJS.ProcessEnv): { help: true } | { help: false; config: ProbeConfig } {
  return loadLayered(argv, env, probeFlags, probeSchema, [], '');
}

type FlagSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** Defaults < file < environment < flags, through one schema; every problem in one UsageError. */
function loadLayered<T>(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  flags: FlagSpec,
  schema: z.ZodType<T, z.ZodTypeDef, unknown>,
  problems: string[],
  positionalHint: string,
): { help: true } | { help: false; config: T } {
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
  if (positionals.length > 0) problems.push(`unexpected argument "${positionals[0]}"${positionalHint === '' ? '' : `: ${positionalHint}`}`);
  const fromFile = typeof values.config === 'string' ? readConfigFile(values.config, problems) : {};
  // Secrets come from the environment or the file, never from flags (ps shows argv).
  const keys = [
    ...Object.keys(flags)
      .filter((name) => name !== 'config' && name !== 'help')
      .map((name) => name.replaceAll('-', '_')),
    ...ENV_ONLY_KEYS,
  ];
  const fromEnv = readEnvironment(env, keys);
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

/**
 * The YAML parser, loaded only when there is a config file: loading it is
 * about 60 ms of every start (a third of the agent's own modules'), and
 * `powerprof-agent run` from a shell usually has none.
 */
function loadYaml(): typeof import('yaml') {
  return createRequire(import.meta.url)('yaml') as typeof import('yaml');
}

function readConfigFile(path: string, problems: string[]): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    problems.push(`cannot read config file "${path}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    return {};
  }
  let document: unknown;
  try {
    document = loadYaml().parse(text);
  } catch (error) {
    problems.push(`config file "${path}" is not valid YAML: ${(error as Error).message.split('\n')[0]!.replace(/:$/, '')}`);
    return {};
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    problems.push(`config file "${path}" must be a mapping of option: value`);
    return {};
  }
  // The agent's section, or the whole file when it has none.
  const section = 'agent' in document ? document.agent : document;
  return Object.fromEntries(Object.entries(section as object).map(([key, value]) => [key.replaceAll('-', '_'), value]));
}

/** POWERPROF_NODE_ID=... for node_id, and so on. */
function readEnvironment(env: NodeJS.ProcessEnv, keys: string[]): Record<string, string> {
  const found: Record<string, string> = {};
  for (const key of keys) {
    const value = env[`POWERPROF_${key.toUpperCase()}`];
    if (value !== undefined && value !== '') found[key] = value;
  }
  return found;
}

function describeIssue(issue: z.ZodIssue): string {
  const name = issue.path.join('.');
  if (issue.code === 'unrecognized_keys') return `unknown option${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}`;
  return `${name.replaceAll('_', '-')}: ${issue.message}`;
}

/** Commas separate events except inside a PMU's slashes: "cycles,cpu/event=0x3c,umask=0/". */
function splitEventList(text: string): string[] {
  const events: string[] = [];
  let current = '';
  let insideSlashes = false;
  for (const char of text) {
    if (char === '/') insideSlashes = !insideSlashes;
    if (char === ',' && !insideSlashes) {
      events.push(current);
      current = '';
    } else current += char;
  }
  events.push(current);
  return events;
}
