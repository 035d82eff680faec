import { spawn } from 'node:child_process';
import { SourceError } from '../power-source.js';

/**
 * How to reach a BMC with ipmitool: the local interface (/dev/ipmi0) by
 * default, or a remote BMC over lanplus. The password travels in the
 * child's environment (IPMI_PASSWORD with -E) and never on argv, where ps
 * would show it.
 */
export interface IpmiConnection {
  ipmitoolPath: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  /** -C N; many BMCs (and OpenIPMI's simulator) need 3. */
  cipherSuite?: number;
  extraArgs: readonly string[];
  timeoutMs: number;
}

export function ipmitoolArgs(connection: IpmiConnection, command: readonly string[]): string[] {
  const args: string[] = [];
  if (connection.host !== undefined) {
    args.push('-I', 'lanplus', '-H', connection.host);
    if (connection.port !== undefined) args.push('-p', String(connection.port));
    if (connection.user !== undefined) args.push('-U', connection.user);
    if (connection.password !== undefined) args.push('-E');
    if (connection.cipherSuite !== undefined) args.push('-C', String(connection.cipherSuite));
    // One second per try, two retries: an unreachable BMC fails in seconds, not ipmitool's 20.
    args.push('-N', '1', '-R', '2');
  }
  return [...args, ...connection.extraArgs, ...command];
}

export interface IpmitoolResult {
  /** stdout and stderr in the order ipmitool wrote them: its errors go to stderr. */
  output: string;
  code: number | null;
}

export function ipmitoolNotFound(connection: IpmiConnection): string {
  return `ipmitool not found ("${connection.ipmitoolPath}"): install it ("apt-get install ipmitool") or set --ipmitool-path`;
}

/** Runs one ipmitool command; a hung ipmitool is killed at the timeout and reported as such. */
export function runIpmitool(connection: IpmiConnection, command: readonly string[], signal: AbortSignal): Promise<IpmitoolResult> {
  const args = ipmitoolArgs(connection, command);
  const env = connection.password === undefined ? process.env : { ...process.env, IPMI_PASSWORD: connection.password };
  const described = `ipmitool ${command.join(' ')}`;
  return new Promise((resolve, reject) => {
    const child = spawn(connection.ipmitoolPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, connection.timeoutMs);
    const onAbort = (): void => {
      child.kill('SIGKILL');
    };
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      reject(new SourceError(error.code === 'ENOENT' ? ipmitoolNotFound(connection) : `cannot run "${described}": ${error.message}`));
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (timedOut) reject(new SourceError(`"${described}" did not answer within ${connection.timeoutMs / 1000} s and was killed`));
      else resolve({ output, code });
    });
  });
}
