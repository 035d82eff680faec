/**
 * The window the ingest benchmark measures: its load generators connect
 * every agent, start together, warm up for this long, and then count only
 * what is sent in the next SECONDS; the collector's and Redis's CPU is read
 * over the same window.
 */
export const WARM_UP_MS = 2_000;
