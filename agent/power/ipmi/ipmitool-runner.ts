import { runIpmitool, type IpmiConnection, type IpmitoolResult } from './ipmitool.js';
import { IpmitoolShell } from './ipmitool-shell.js';

export type IpmitoolSession = 'shell' | 'process';

export interface IpmitoolRunner {
  run(command: readonly string[], signal: AbortSignal): Promise<IpmitoolResult>;
  /** The reply was an error: a session that may be stale is replaced before the next command. */
  reset(): void;
  close(): Promise<void>;
}

/** After this many failures in a row, a shell session gives way to one process per reading. */
const SHELL_FAILURES_BEFORE_FALLBACK = 3;

/**
 * How a source talks to ipmitool: one long-lived shell session (default),
 * falling back to one process per reading when sessions keep failing (a
 * BMC or an ipmitool build whose shell does not behave), or always a
 * process per reading.
 */
export function ipmitoolRunner(connection: IpmiConnection, session: IpmitoolSession): IpmitoolRunner {
  if (session === 'process')
    return { run: (command, signal) => runIpmitool(connection, command, signal), reset: () => undefined, close: () => Promise.resolve() };
  let shell: IpmitoolShell | undefined = new IpmitoolShell(connection);
  let failures = 0;
  return {
    async run(command, signal) {
      if (shell === undefined) return runIpmitool(connection, command, signal);
      try {
        const result = await shell.run(command, signal);
        failures = 0;
        return result;
      } catch (error) {
        if (++failures >= SHELL_FAILURES_BEFORE_FALLBACK) {
          await shell.close();
          shell = undefined;
        }
        throw error;
      }
    },
    reset: () => shell?.reset(),
    close: async () => shell?.close(),
  };
}
