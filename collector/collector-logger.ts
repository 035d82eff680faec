import { isatty } from 'node:tty';
import pino, { type Logger } from 'pino';

/**
 * The collector's log: JSON lines on stderr; readable text when stderr is a
 * terminal (pino-pretty is loaded only then). The history sink's worker
 * threads log through one of their own, to the same stderr.
 */
export async function createLogger(level: string): Promise<Logger> {
  // Secrets never reach a log line, whatever object carries them.
  const redact = {
    paths: ['password', 'ipmi_password', 'token', 'authorization', '*.password', '*.ipmi_password', '*.token', '*.authorization', '*.headers.authorization'],
    censor: '[redacted]',
  };
  const options = { level, redact, base: { process: 'powerprof-collector' } };
  if (isatty(2)) {
    const { default: pinoPretty } = await import('pino-pretty');
    return pino(options, pinoPretty({ destination: 2, sync: true, ignore: 'pid,hostname,process' }));
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}
