import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '../../proto/repository-root.js';

export const agentMain = join(repositoryRoot, 'dist/agent/main.js');
export const collectorMain = join(repositoryRoot, 'dist/collector/main.js');

/** `powerprof-collector serve` on loopback ports and a Redis, then whatever else the test sets. */
export function serveArgs(grpcPort: number | string, metricsPort: number | string, redisUrl: string, ...more: string[]): string[] {
  return ['serve', '--grpc-listen', `127.0.0.1:${grpcPort}`, '--metrics-listen', `127.0.0.1:${metricsPort}`, '--redis', redisUrl, ...more];
}

/**
 * Agents started by tests get a spool of their own (a new temporary
 * directory) unless the test names one: the default one under /var/lib is
 * shared by every run as root, and one test's undelivered records would go
 * to the next test's collector.
 */
function withOwnSpool(script: string, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  if (script !== agentMain || env.POWERPROF_SPOOL !== undefined) return env;
  return { ...env, POWERPROF_SPOOL: mkdtempSync(join(tmpdir(), 'powerprof-test-spool-')) };
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a node script to its end, collecting output. */
export function runNode(script: string, args: string[], options: { env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: withOwnSpool(script, options.env ?? process.env), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} ${args.join(' ')} did not finish in time; stderr:\n${stderr}`));
    }, options.timeoutMs ?? 60_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface Background {
  child: ChildProcess;
  output(): string;
  /** Resolves when a line of the process's stderr matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<string>;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Resolves with the exit code when the process ends by itself. */
  exited(): Promise<number | null>;
}

/** Starts a long-running node script (the collector) and watches its log. */
export function startNode(script: string, args: string[], env: NodeJS.ProcessEnv = process.env): Background {
  const child = spawn(process.execPath, [script, ...args], { env: withOwnSpool(script, env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    waitFor: (pattern, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const check = (): void => {
          const line = output.split('\n').find((l) => pattern.test(l));
          if (line !== undefined) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(line);
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
        void exited.then((code) => {
          if (listeners.has(check)) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`process exited (${code}) before printing ${pattern}; output:\n${output}`));
          }
        });
      }),
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null) child.kill(signal);
      return exited;
    },
    exited: () => exited,
  };
}
