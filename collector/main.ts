#!/usr/bin/env node
import type { Logger } from 'pino';
import { createLogger } from '../proto/process-logger.js';
import { collectorVersion } from './collector-version.js';
import {
  loadExperimentStartConfig,
  loadExperimentStatusConfig,
  loadExportConfig,
  loadReportConfig,
  loadServeConfig,
  loadSinkConfig,
  UsageError,
} from './config.js';
import { collectorHelp, experimentHelp, exportHelp, hashTokenHelp, reportHelp, serveHelp, sinkHelp } from './help-text.js';

/** Wires the collector's commands; the work is in commands/. */
async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(collectorHelp);
      return command === undefined ? 2 : 0;
    case '--version':
      process.stdout.write(`${collectorVersion}\n`);
      return 0;
    case 'serve': {
      const loaded = loadServeConfig(rest, process.env);
      if (loaded.help) return printed(serveHelp);
      const logger = await createLogger(loaded.config.log_level, 'powerprof-collector');
      const { startCollector } = await import('./commands/serve-command.js');
      // Listening before the start is logged: a supervisor that stops us on seeing that line must not kill us outright.
      const stopSignal = untilStopSignal(logger);
      const collector = await startCollector(loaded.config, logger);
      await stopSignal;
      await collector.shutdown();
      return 0;
    }
    case 'sink': {
      const loaded = loadSinkConfig(rest, process.env);
      if (loaded.help) return printed(sinkHelp);
      const logger = await createLogger(loaded.config.log_level, 'powerprof-collector');
      const { startSink } = await import('./commands/sink-command.js');
      const stopSignal = untilStopSignal(logger);
      const running = await startSink(loaded.config, logger);
      await stopSignal;
      await running.shutdown();
      return 0;
    }
    case 'export': {
      const loaded = loadExportConfig(rest, process.env);
      if (loaded.help) return printed(exportHelp);
      const { exportCommand } = await import('./commands/export-command.js');
      await exportCommand(loaded.config, await createLogger(loaded.config.log_level, 'powerprof-collector'));
      return 0;
    }
    case 'report': {
      const loaded = loadReportConfig(rest, process.env);
      if (loaded.help) return printed(reportHelp);
      const { reportCommand } = await import('./commands/report-command.js');
      await reportCommand(loaded.config, await createLogger(loaded.config.log_level, 'powerprof-collector'));
      return 0;
    }
    case 'experiment': {
      const [action, ...args] = rest;
      if (action === 'start') {
        const loaded = loadExperimentStartConfig(args, process.env);
        if (loaded.help) return printed(experimentHelp);
        const { experimentStartCommand } = await import('./commands/experiment-command.js');
        return experimentStartCommand(loaded.config, process.stdout, await createLogger(loaded.config.log_level, 'powerprof-collector'));
      }
      if (action === 'status') {
        const loaded = loadExperimentStatusConfig(args, process.env);
        if (loaded.help) return printed(experimentHelp);
        const { experimentStatusCommand } = await import('./commands/experiment-command.js');
        return experimentStatusCommand(loaded.config, process.stdout);
      }
      if (action === undefined || action === '--help' || action === '-h') return printed(experimentHelp);
      throw new UsageError(`unknown experiment action "${action}": start or status`);
    }
    case 'hash-token': {
      if (rest.includes('--help') || rest.includes('-h')) return printed(hashTokenHelp);
      const { hashTokenCommand } = await import('./commands/hash-token-command.js');
      return hashTokenCommand(rest, process.stdin, process.stdout);
    }
    default:
      throw new UsageError(`unknown command "${command}"; see powerprof-collector --help`);
  }
}

/** SIGINT or SIGTERM: the long-running commands then shut down in order. */
function untilStopSignal(logger: Logger): Promise<void> {
  return new Promise<void>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        logger.info({ signal }, 'shutting down');
        resolve();
      });
    }
  });
}

function printed(text: string): number {
  process.stdout.write(text);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError) {
      process.stderr.write(`powerprof-collector: ${error.message}\n`);
      process.exitCode = 2;
      return;
    }
    process.stderr.write(`powerprof-collector: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
