import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The environment the benches start the agent in: what systemd gives the
 * unit. A shell's NODE_EXTRA_CA_CERTS goes (where it is set, as on this
 * VM, Node parses that CA bundle as every process starts: about 50 ms of
 * CPU for `node -e 0`, nothing the agent uses; agent-startup.ts prints its
 * cost), and CACHE_DIRECTORY is a folder of this bench, as the unit's is
 * its own (agent/bundled-agent.ts): warmUp() runs the agent once first,
 * as any node's first start after an install does.
 */
export function agentEnvironment(): NodeJS.ProcessEnv {
  const { NODE_EXTRA_CA_CERTS: _ignored, ...env } = process.env;
  cacheDirectory ??= mkdtempSync(join(tmpdir(), 'powerprof-bench-cache-'));
  return { ...env, CACHE_DIRECTORY: cacheDirectory };
}

let cacheDirectory: string | undefined;

export const extraCaCertsNote = (): string =>
  process.env.NODE_EXTRA_CA_CERTS === undefined ? '' : ` (agents started without this shell's NODE_EXTRA_CA_CERTS, as systemd starts them)`;
