import { isatty } from 'node:tty';
import pino, { type Logger } from 'pino';
import { agentVersion } from './agent-version.js';
import { parseCommand } from './commands/parse-command.js';
import { loadDaemonConfig, loadFlushConfig, loadProbeConfig, loadRunConfig } from './config.js';
import { UsageError } from './usage-error.js';
import { agentHelp, daemonHelp, flushHelp, probeHelp, runHelp } from './help-text.js';

/** Wires the agent's commands (main.ts starts it); all the work is in commands/. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(agentHelp);
      return command === undefined ? 2 : 0;
    case '--version':
      process.stdout.write(`${agentVersion}\n`);
      return 0;
    case 'parse':
      return parseCommand(rest, process.stdout, process.stderr);
    case 'probe': {
      const args = loadProbeConfig(rest, process.env);
      if (args.help) {
        process.stdout.write(probeHelp);
        return 0;
      }
      const { probeCommand } = await import('./commands/probe-command.js');
      return probeCommand(args.config, await createLogger(args.config.log_level), process.stdout);
    }
    case 'run': {
      const args = loadRunConfig(rest, process.env);
      if (args.help) {
        process.stdout.write(runHelp);
        return 0;
      }
      const logger = await createLogger(args.config.log_level);
      const interrupt = stopOnSignals(logger, 'stopping: the current run is ended and recorded as interrupted (again to quit at once)');
      // Loaded here so that --help, --version and parse start fast.
      const [{ runCommand }, { loadIngestProto }] = await Promise.all([import('./commands/run-command.js'), import('../proto/load-ingest-proto.js')]);
      return runCommand({ config: args.config, logger, proto: loadIngestProto(), interrupt, terminal: process.stderr });
    }
    case 'daemon': {
      const args = loadDaemonConfig(rest, process.env);
      if (args.help) {
        process.stdout.write(daemonHelp);
        return 0;
      }
      const logger = await createLogger(args.config.log_level);
      const stop = stopOnSignals(logger, 'stopping: the current run is ended and recorded as interrupted, then the spool is flushed');
      const [{ daemonCommand }, { loadIngestProto }] = await Promise.all([import('./commands/daemon-command.js'), import('../proto/load-ingest-proto.js')]);
      return daemonCommand({
        argv: rest,
        env: process.env,
        config: args.config,
        logger,
        proto: loadIngestProto(),
        terminal: process.stderr,
        stop,
        onReload: (listener) => process.on('SIGHUP', listener),
      });
    }
    case 'flush': {
      const args = loadFlushConfig(rest, process.env);
      if (args.help) {
        process.stdout.write(flushHelp);
        return 0;
      }
      const logger = await createLogger(args.config.log_level);
      const interrupt = stopOnSignals(logger, 'stopping: what is not acked stays in the spool');
      const [{ flushCommand }, { loadIngestProto }] = await Promise.all([import('./commands/flush-command.js'), import('../proto/load-ingest-proto.js')]);
      return flushCommand(args.config, logger, loadIngestProto(), interrupt);
    }
    default:
      throw new UsageError(`unknown command "${command}"; see powerprof-agent --help`);
  }
}

/** SIGINT or SIGTERM: stop gracefully; a second one: exit now (the spool keeps what is unacked). */
function stopOnSignals(logger: Logger, message: string): AbortSignal {
  const interrupt = new AbortController();
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => {
      if (interrupt.signal.aborted) process.exit(130);
      logger.warn({ signal }, message);
      interrupt.abort();
    });
  }
  return interrupt.signal;
}

/** JSON lines on stderr; readable text when stderr is a terminal (pino-pretty is loaded only then). */
async function createLogger(level: string): Promise<Logger> {
  // Secrets never reach a log line, whatever object carries them.
  const redact = {
    paths: ['password', 'ipmi_password', 'token', 'authorization', '*.password', '*.ipmi_password', '*.token', '*.authorization', '*.headers.authorization'],
    censor: '[redacted]',
  };
  const options = { level, redact, base: { process: 'powerprof-agent' } };
  if (isatty(2)) {
    const { default: pinoPretty } = await import('pino-pretty');
    return pino(options, pinoPretty({ destination: 2, sync: true, ignore: 'pid,hostname,process' }));
  }
  return pino(options, pino.destination({ dest: 2, sync: true }));
}

/** Runs one agent command line; sets the process's exit code. */
export async function runAgentCli(argv: string[]): Promise<void> {
  try {
    process.exitCode = await main(argv);
  } catch (error: unknown) {
    if (error instanceof UsageError) {
      process.stderr.write(`powerprof-agent: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`powerprof-agent: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
