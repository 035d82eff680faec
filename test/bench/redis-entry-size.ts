import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { repositoryRoot } from '../../proto/repository-root.js';
import { occHwmonTree } from '../support/file-tree.js';
import { ipmiSimulatorUnavailable, startIpmiSimulator, type IpmiSimulator } from '../support/ipmi-simulator.js';
import { startTestCollector } from '../support/in-process-collector.js';
import { agentMain, runNode } from '../support/node-processes.js';
import { startRedisServer } from '../support/redis-server.js';

/** Issue 19's yardstick: the same numbers of records PCP 6.0 was measured with, and its bytes per record. */
const POWER_SAMPLES = 3_600;
const COUNTER_INTERVALS = 6_000;
const PCP = { power_sample: 127, counter_interval: 232 };
const TARGET = { power_sample: 120, counter_interval: 220 };

/**
 * Bytes per record in Redis, by kind, as Redis's own MEMORY USAGE counts
 * them. A real agent profiles the bundled workload into a real collector,
 * counting the 9 events of the default preset every 100 ms and reading
 * power every 50 ms: DCMI through the real ipmitool from OpenIPMI's
 * simulator (watts, min, max, average, period, state: what the issue's
 * figures were taken with), or an OCC-like hwmon sensor (watts alone) where
 * the simulator cannot run. Its power samples and counter
 * intervals, as the collector stored them, are then written again, entry
 * for entry with the same fields and values, into one stream per kind until
 * it holds 3,600 power samples or 6,000 intervals, and MEMORY USAGE (every
 * node counted: SAMPLES 0) divided by the entries is the figure. On this VM
 * the six hardware events are "not supported", which perf and the record say
 * in as many bytes as a count would take.
 */
export async function redisEntrySize(quick: boolean): Promise<void> {
  const redis = await startRedisServer();
  const client = new Redis(redis.url);
  const collector = await startTestCollector(redis.url);
  const spool = mkdtempSync(join(tmpdir(), 'powerprof-bench-entries-'));
  const bmc: IpmiSimulator | undefined = ipmiSimulatorUnavailable() === undefined ? await startIpmiSimulator() : undefined;
  bmc?.setDcmi('412');
  const power =
    bmc === undefined
      ? ['--power', 'hwmon', '--sysfs-root', occHwmonTree()]
      : ['--power', 'ipmi-dcmi', '--ipmi-host', '127.0.0.1', '--ipmi-port', String(bmc.port), '--ipmi-user', bmc.user, '--ipmi-cipher-suite', '3'];
  try {
    const agent = await runNode(
      agentMain,
      [
        'run',
        ...['--collector', `127.0.0.1:${collector.grpcPort}`, '--node-id', 'entries', '--spool', spool],
        ...power,
        ...['--power-period-ms', '50', '--idle-s', '0'],
        ...['--events', 'preset:default', '--interval-ms', '100'],
        '--',
        process.execPath,
        join(repositoryRoot, 'deploy/workloads/synthetic-mlp.js'),
        quick ? '4000' : '12000',
      ],
      { timeoutMs: 300_000, env: { ...process.env, POWERPROF_IPMI_PASSWORD: bmc?.password ?? '' } },
    );
    if (agent.code !== 0) throw new Error(`the agent exited ${agent.code}: ${agent.stderr}`);
    const entries = await client.xrange(`${collector.config.key_prefix}:{entries}:records`, '-', '+');
    const ofKind = (kind: string): string[][] => entries.map(([, fields]) => fields).filter((fields) => fields[fields.indexOf('kind') + 1] === kind);
    const lines: string[] = [];
    for (const [kind, count] of [
      ['power_sample', POWER_SAMPLES],
      ['counter_interval', COUNTER_INTERVALS],
    ] as const) {
      const real = ofKind(kind);
      if (real.length === 0) throw new Error(`the agent stored no ${kind}`);
      const key = `bench-entry-size:${kind}`;
      for (let written = 0; written < count; written += 500) {
        const pipeline = client.pipeline();
        for (let i = written; i < Math.min(count, written + 500); i++) pipeline.xadd(key, '*', ...real[i % real.length]!);
        await pipeline.exec();
      }
      const bytes = Number(await client.call('MEMORY', 'USAGE', key, 'SAMPLES', '0'));
      const perRecord = bytes / count;
      lines.push(
        `${kind.replace('_', ' ')}: ${perRecord.toFixed(0)} B per record (from ${real.length} the agent made, ${count} stored); ` +
          `PCP 6.0 ${PCP[kind]} B (ratio ${(perRecord / PCP[kind]).toFixed(2)}), issue 19's target ${TARGET[kind]} B`,
      );
    }
    process.stdout.write(
      `bytes per record in Redis (MEMORY USAGE, this layout; power from ${bmc === undefined ? 'hwmon, watts alone' : 'DCMI'}):\n  ${lines.join('\n  ')}\n`,
    );
  } finally {
    client.disconnect();
    await bmc?.stop();
    await collector.shutdown();
    await redis.stop();
    rmSync(spool, { recursive: true, force: true });
  }
}
