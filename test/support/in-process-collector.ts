import { randomUUID } from 'node:crypto';
import { startCollector, type RunningCollector } from '../../collector/commands/serve-command.js';
import type { ServeConfig } from '../../collector/config.js';
import { testLogger } from './silent-logger.js';

/** The real collector, in this process: gRPC and metrics on free ports, a unique Redis key prefix. */
export async function startTestCollector(redisUrl: string, overrides: Partial<ServeConfig> = {}): Promise<RunningCollector & { config: ServeConfig }> {
  const config: ServeConfig = {
    grpc_listen: '127.0.0.1:0',
    metrics_listen: '127.0.0.1:0',
    redis: redisUrl,
    redis_cluster: false,
    key_prefix: `test-${randomUUID().slice(0, 8)}`,
    retention_maxlen: 0,
    max_records_per_batch: 10_000,
    max_message_bytes: 16 * 1024 * 1024,
    node_rate_limit: 20_000,
    node_burst: 200_000,
    max_label_values: 1_000,
    max_series_per_node: 5_000,
    max_inflight_records: 20_000,
    max_inflight_bytes: 64 * 1024 * 1024,
    node_byte_rate_limit: 8 * 1024 * 1024,
    node_byte_burst: 256 * 1024 * 1024,
    node_expiry_s: 86_400,
    keepalive_s: 60,
    insecure: false,
    log_level: 'silent',
    ...overrides,
  };
  const collector = await startCollector(config, testLogger);
  return Object.assign(collector, { config });
}

export async function scrape(metricsPort: number): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${metricsPort}/metrics`);
  return response.text();
}

/** The value of one series in Prometheus text, or undefined. */
export function metricValue(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}
