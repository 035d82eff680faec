import { isatty } from 'node:tty';
import pino, { type Logger } from 'pino';

/**
 * A powerprof process's log (the agent's, the collector's, each history sink
 * thread's): JSON lines on stderr, or readable text when stderr is a
 * terminal (pino-pretty is loaded only then), secrets redacted.
 */
export async function createLogger(level: string, processName: 'powerprof-agent' | 'powerprof-collector'): Promise<Logger> {
  // Secrets never reach a log line, whatever object carries them.
  const redact = {
    paths: ['password', 'ipmi_password', 'token', 'authorization', '*.password', '*.ipmi_password', '*.token', '*.authorization', '*.headers.authorization'],
    censor: '[redacted]',
  };
  const options = { level, redact, base: { process: processName } };
  if (isatty(2)) {
    const { default: pinoPretty } = await import('pino-pretty');
    return pino(options, pinoPretty({ destination: 2, sync: true, ignore: 'pid,hostname,process' }));
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}
