/**
 * A mistake in how the agent was asked to run (a flag, the config, a file
 * it names, perf missing or not permitted): the CLI prints its message
 * alone and exits 2.
 */
export class UsageError extends Error {
  readonly code = 'USAGE';
}
