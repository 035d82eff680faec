import type { Logger } from 'pino';
import { agentVersion } from './agent-version.js';
import { UsageError } from './usage-error.js';

/**
 * Wires the agent's commands (main.ts starts it); all the work is in
 * commands/. Each command loads only what it uses: --version nothing else,
 * run and daemon the gRPC client (issue 21: start-up CPU).
 */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--version') {
    process.stdout.write(`${agentVersion}\n`);
    return 0;
  }
  const { agentHelp, daemonHelp, flushHelp, probeHelp, runHelp } = await import('./help-text.js');
  const { loadDaemonConfig, loadFlushConfig, loadProbeConfig, loadRunConfig } = await import('./config.js');
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(agentHelp);
      return command === undefined ? 2 : 0;
    case 'parse': {
      const { parseCommand } = await import('./commands/parse-command.js');
      return parseCommand(rest, process.stdout, process.stderr);
    }
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
      const { runCommand } = await import('./commands/run-command.js');
      return runCommand({ config: args.config, logger, interrupt, terminal: process.stderr });
    }
    case 'daemon': {
      const args = loadDaemonConfig(rest, process.env);
      if (args.help) {
        process.stdout.write(daemonHelp);
        return 0;
      }
      const logger = await createLogger(args.config.log_level);
      const stop = stopOnSignals(logger, 'stopping: the current run is ended and recorded as interrupted, then the spool is flushed');
      const { daemonCommand } = await import('./commands/daemon-command.js');
      return daemonCommand({
        argv: rest,
        env: process.env,
        config: args.config,
        logger,
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
      const { flushCommand } = await import('./commands/flush-command.js');
      return flushCommand(args.config, logger, interrupt);
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

function createLogger(level: string): Promise<Logger> {
  return import('../proto/process-logger.js').then(({ createLogger }) => createLogger(level, 'powerprof-agent'));
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
