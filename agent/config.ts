import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { defaultPerfEvents } from './perf/default-events.js';

/**
 * The agent's configuration: defaults < YAML file (--config) < environment
 * (POWERPROF_*) < flags, validated once, every problem listed in one error.
 * Nothing else in the agent reads process.env.
 */

export class UsageError extends Error {
  readonly code = 'USAGE';
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NODE_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+):\d{1,5}$/;

const booleanText = z.union([z.boolean(), z.enum(['true', 'false', '1', '0'])]).transform((v) => v === true || v === 'true' || v === '1');
const eventList = z
  .union([z.string(), z.array(z.string())])
  .transform((value) => (Array.isArray(value) ? value : splitEventList(value)).map((e) => e.trim()).filter((e) => e !== ''))
  .pipe(z.array(z.string()).min(1, 'needs at least one event'));

const runSchema = z
  .object({
    collector: z.string().regex(HOST_PORT, 'must be HOST:PORT').default('127.0.0.1:50051'),
    node_id: z.string().regex(NODE_ID, 'must be 1-128 letters, digits, ".", "_" or "-"').default(hostname()),
    repeat: z.coerce.number().int().min(1).max(1_000_000).default(1),
    events: eventList.default([...defaultPerfEvents]),
    timeout: z.coerce.number().min(0).default(0),
    csv: z.string().min(1).optional(),
    no_perf: booleanText.default(false),
    perf_path: z.string().min(1).default('perf'),
    workload: z.string().regex(/^[\w.:-]{1,128}$/, 'must be 1-128 letters, digits, ".", ":", "_" or "-"').optional(),
    flush_timeout: z.coerce.number().min(0).default(30),
    log_level: z.enum(LOG_LEVELS).default('info'),
  })
  .strict();

export type RunConfig = Readonly<z.infer<typeof runSchema> & { command: readonly string[] }>;

/** Options of `run`, as util.parseArgs wants them; the keys are the flag names. */
const runFlags = {
  config: { type: 'string' },
  collector: { type: 'string' },
  'node-id': { type: 'string' },
  repeat: { type: 'string' },
  events: { type: 'string' },
  timeout: { type: 'string' },
  csv: { type: 'string' },
  'no-perf': { type: 'boolean' },
  'perf-path': { type: 'string' },
  workload: { type: 'string' },
  'flush-timeout': { type: 'string' },
  'log-level': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export type RunArgs = { help: true } | { help: false; config: RunConfig };

export function loadRunConfig(argv: readonly string[], env: NodeJS.ProcessEnv): RunArgs {
  const separator = argv.indexOf('--');
  const optionArgs = separator === -1 ? argv : argv.slice(0, separator);
  const command = separator === -1 ? [] : argv.slice(separator + 1);
  const { values, positionals } = parseFlags(optionArgs);
  if (values.help === true) return { help: true };

  const problems: string[] = [];
  if (positionals.length > 0) problems.push(`unexpected argument "${positionals[0]}": put the workload after "--"`);
  if (command.length === 0) problems.push('no workload: give the command after "--", e.g. powerprof-agent run -- python3 resnet50.py');

  const fromFile = typeof values.config === 'string' ? readConfigFile(values.config, problems) : {};
  const fromEnv = readEnvironment(env, Object.keys(runSchema.shape));
  const fromFlags = Object.fromEntries(
    Object.entries(values)
      .filter(([name]) => name !== 'config' && name !== 'help')
      .map(([name, value]) => [name.replaceAll('-', '_'), value]),
  );
  const parsed = runSchema.safeParse({ ...fromFile, ...fromEnv, ...fromFlags });
  if (!parsed.success) problems.push(...parsed.error.issues.map(describeIssue));
  if (problems.length > 0 || !parsed.success) throw new UsageError(`invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return { help: false, config: Object.freeze({ ...parsed.data, command: Object.freeze([...command]) }) };
}

function parseFlags(args: readonly string[]): ReturnType<typeof parseArgs<{ options: typeof runFlags; allowPositionals: true }>> {
  try {
    return parseArgs({ args: [...args], options: runFlags, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
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
    document = parseYaml(text);
  } catch (error) {
    problems.push(`config file "${path}" is not valid YAML: ${(error as Error).message.split('\n')[0]}`);
    return {};
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    problems.push(`config file "${path}" must be a mapping of option: value`);
    return {};
  }
  // The agent's section, or the whole file when it has none.
  const section = 'agent' in document ? (document as { agent: unknown }).agent : document;
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
