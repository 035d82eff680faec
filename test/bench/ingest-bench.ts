import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { repositoryRoot } from '../../proto/repository-root.js';
import { freePort } from '../support/free-port.js';
import { collectorMain, serveArgs, startNode } from '../support/node-processes.js';
import { startRedisServer } from '../support/redis-server.js';
import { WARM_UP_MS } from './load-window.js';
import { cpuSeconds, percentile, rssMiB } from './process-stats.js';
import { counterIntervalFields } from '../../collector/wire/stream-fields.js';

const generator = join(repositoryRoot, 'dist/test/bench/simulated-agents.js');
const AGENTS_PER_GENERATOR = 250;

interface Load {
  acked: number;
  latenciesMs: number[];
  /** Batches answered RESOURCE_EXHAUSTED with a wait: backpressure. */
  waits: number;
  errors: string[];
}

/**
 * The ingest benchmark: a real collector process and real Redis, loaded by
 * simulated agents in separate processes over loopback gRPC. First the
 * limit Redis sets (raw pipelined XADD from Node, same records); then live
 * agents (1 Hz power, 10 Hz counter intervals) at 10, 100 and 1,000; then
 * saturation (agents draining spools), as a ratio of the limit.
 */
export async function ingestBench(quick: boolean): Promise<number> {
  const seconds = quick ? 5 : 15;
  const redisServer = await startRedisServer();
  try {
    const raw = await rawXadd(redisServer.url, quick ? 100_000 : 400_000);
    const server = redisBenchmarkXadd(redisServer.port, quick ? 200_000 : 1_000_000);
    process.stdout.write(
      `raw pipelined XADD from Node (ioredis, 1,000 per pipeline, the same records): ${Math.round(raw)} records/s; redis-benchmark XADD -P 100: ${server === undefined ? 'not run' : `${Math.round(server)}/s`}\n`,
    );
    const [grpcPort, metricsPort] = [await freePort(), await freePort()];
    const collector = startNode(
      collectorMain,
      serveArgs(
        grpcPort,
        metricsPort,
        redisServer.url,
        '--retention-maxlen',
        '20000',
        '--node-rate-limit',
        '1000000',
        '--node-burst',
        '1000000',
        '--log-level',
        'warn',
      ),
    );
    await untilReady(metricsPort);
    const pid = collector.child.pid!;
    const admin = new Redis(redisServer.url);
    try {
      await new Promise((resolve) => setTimeout(resolve, 500));
      const baselineRss = rssMiB(pid);
      let first = 0;
      // 1,000 agents at 1 Hz before 1,000 live ones, which saturate these two cores: a collector that has just
      // been overloaded holds on to the memory it grew, and would be measured with it.
      const phases: Array<[number, 'live' | 'power']> = [
        [10, 'live'],
        [100, 'live'],
        [1000, 'power'],
        [1000, 'live'],
      ];
      for (const [agents, mode] of phases) {
        const meter = windowMeter(pid, admin);
        let peakRss = rssMiB(pid);
        const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMiB(pid))), 250);
        const load = await generate(`127.0.0.1:${grpcPort}`, first, agents, mode, seconds, meter);
        clearInterval(sampler);
        first += agents;
        const { collector: cpu, redis } = await meter.result();
        process.stdout.write(
          `${mode === 'live' ? 'live agents (1 Hz power, 10 Hz counters)' : 'agents at 1 Hz (power only)    '} ${String(agents).padStart(4)}: ${Math.round(load.acked / seconds)} records/s acked, ack p50 ${percentile(load.latenciesMs, 50).toFixed(1)} ms, ` +
            `p99 ${percentile(load.latenciesMs, 99).toFixed(1)} ms, collector CPU ${((cpu / load.acked) * 1e6).toFixed(1)} s per million records (Redis ${((redis / load.acked) * 1e6).toFixed(1)} s), ` +
            `RSS ${peakRss.toFixed(0)} MiB (${(((peakRss - baselineRss) * 1024) / agents).toFixed(0)} KiB per agent)${describeErrors(load)}\n`,
        );
      }
      // The raw XADD baseline is measured between the saturation rounds, round by round, so that the ratio compares
      // runs on the same machine at the same moment (one baseline under contention once gave a "ratio 1.54").
      const rounds = quick ? 2 : 3;
      const raws = [raw];
      const rates: number[] = [];
      const ratios: number[] = [];
      for (let round = 0; round < rounds; round++) {
        const meter = windowMeter(pid, admin);
        const saturation = await generate(`127.0.0.1:${grpcPort}`, first, 40, 'saturate', seconds, meter);
        first += 40;
        const { collector: cpu, redis } = await meter.result();
        const rate = saturation.acked / seconds;
        raws.push(await rawXadd(redisServer.url, quick ? 100_000 : 400_000));
        const baseline = (raws.at(-2)! + raws.at(-1)!) / 2;
        rates.push(rate);
        ratios.push(rate / baseline);
        process.stdout.write(
          `saturation round ${round + 1} (40 agents draining spools, 8 x 500 records in flight each): ${Math.round(rate)} records/s acked, ack p99 ${percentile(saturation.latenciesMs, 99).toFixed(0)} ms, ` +
            `collector CPU ${((cpu / saturation.acked) * 1e6).toFixed(1)} s per million records, Redis CPU ${((redis / saturation.acked) * 1e6).toFixed(1)} s (the exactly-once script: ` +
            `one core of Redis alone would top out near ${Math.round(saturation.acked / redis / 1000)}k records/s); raw XADD before and after ${Math.round(raws.at(-2)!)} and ${Math.round(raws.at(-1)!)}/s${describeErrors(saturation)}\n`,
        );
      }
      const sorted = [...ratios].sort((a, b) => a - b);
      const rate = [...rates].sort((a, b) => a - b)[Math.floor(rates.length / 2)]!;
      process.stdout.write(
        `ingest: ${Math.round(rate)} records/s sustained end to end (acked, median of ${rounds}), ratio to raw XADD measured beside each round ` +
          `min ${sorted[0]!.toFixed(2)} / median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} / max ${sorted.at(-1)!.toFixed(2)}\n`,
      );
      await backpressure(redisServer.url, `127.0.0.1:${grpcPort}`, metricsPort, pid, first, seconds);
      return rate;
    } finally {
      admin.disconnect();
      await collector.stop('SIGTERM');
    }
  } finally {
    await redisServer.stop();
  }
}

/**
 * Backpressure: the same saturating agents while Redis takes no writes every
 * other second (CLIENT PAUSE): what the collector holds stays bounded, and
 * the excess is refused with a wait instead of queued.
 */
async function backpressure(redisUrl: string, address: string, metricsPort: number, pid: number, first: number, seconds: number): Promise<void> {
  const admin = new Redis(redisUrl);
  let peakRss = rssMiB(pid);
  let peakInflight = 0;
  const pauser = setInterval(() => void admin.call('CLIENT', 'PAUSE', '1000', 'WRITE').catch(() => undefined), 2000);
  const sampler = setInterval(() => {
    peakRss = Math.max(peakRss, rssMiB(pid));
    void fetch(`http://127.0.0.1:${metricsPort}/metrics`)
      .then((response) => response.text())
      .then((text) => (peakInflight = Math.max(peakInflight, Number(/^powerprof_collector_inflight_records (\S+)$/m.exec(text)?.[1] ?? 0))))
      .catch(() => undefined);
  }, 200);
  try {
    const load = await generate(address, first, 40, 'saturate', seconds);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const overloaded = Number(/^powerprof_collector_rejected_total\{reason="overloaded"\} (\S+)$/m.exec(metrics)?.[1] ?? 0);
    process.stdout.write(
      `backpressure (Redis paused 1 s in every 2, 40 saturating agents): ${Math.round(load.acked / seconds)} records/s acked, ` +
        `at most ${peakInflight} records held unwritten (cap 20,000), collector RSS peak ${peakRss.toFixed(0)} MiB, ${overloaded} batches answered RESOURCE_EXHAUSTED with a wait\n`,
    );
  } finally {
    clearInterval(pauser);
    clearInterval(sampler);
    admin.disconnect();
  }
}

interface WindowMeter {
  start(): void;
  stop(): void;
  /** CPU seconds over the window: the collector process's, and Redis's (INFO cpu). */
  result(): Promise<{ collector: number; redis: number }>;
}

function windowMeter(pid: number, admin: Redis): WindowMeter {
  const read = async (): Promise<[number, number]> => {
    const collector = cpuSeconds(pid); // read now, not after the round trip to Redis
    const info = await admin.info('cpu');
    return [collector, Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0)];
  };
  let begin: Promise<[number, number]> | undefined;
  let end: Promise<[number, number]> | undefined;
  return {
    start: () => void (begin = read()),
    stop: () => void (end = read()),
    result: async () => {
      const [[collectorBefore, redisBefore], [collectorAfter, redisAfter]] = await Promise.all([begin!, end!]);
      return { collector: collectorAfter - collectorBefore, redis: redisAfter - redisBefore };
    },
  };
}

/** The collector logs at warn here (1,000 hellos would be noise): its /readyz says when it serves. */
async function untilReady(metricsPort: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const ready = await fetch(`http://127.0.0.1:${metricsPort}/readyz`).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    if (Date.now() > deadline) throw new Error('the collector did not become ready in 15 s');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** redis-benchmark's own pipelined XADD: what Redis does without any client cost. */
function redisBenchmarkXadd(port: number, requests: number): number | undefined {
  const result = spawnSync(
    'redis-benchmark',
    ['-p', String(port), '-n', String(requests), '-P', '100', '-q', 'XADD', 'bench:{x}:records', '*', 'data', 'x'.repeat(700)],
    { encoding: 'utf8' },
  );
  const match = /([\d.]+) requests per second/.exec(result.stdout ?? '');
  return match === null ? undefined : Number(match[1]);
}

function describeErrors(load: Load): string {
  const waits = load.waits === 0 ? '' : `; ${load.waits} batches answered RESOURCE_EXHAUSTED with a wait (backpressure)`;
  return waits + (load.errors.length === 0 ? '' : `; errors: ${load.errors.slice(0, 2).join('; ')}`);
}

/**
 * Runs the agents in generator processes of up to 250 agents each; once
 * every generator has its agents connected, starts them together, and
 * merges what they report.
 */
async function generate(
  address: string,
  first: number,
  agents: number,
  mode: 'live' | 'power' | 'saturate',
  seconds: number,
  meter?: WindowMeter,
): Promise<Load> {
  const generators = Math.ceil(agents / AGENTS_PER_GENERATOR);
  const ready: Promise<void>[] = [];
  const children: ChildProcess[] = [];
  const results = Promise.all(
    Array.from({ length: generators }, (_, g) => {
      const count = Math.min(AGENTS_PER_GENERATOR, agents - g * AGENTS_PER_GENERATOR);
      const child = spawn(process.execPath, [generator, address, String(first + g * AGENTS_PER_GENERATOR), String(count), mode, String(seconds)], {
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      children.push(child);
      let output = '';
      let markReady!: () => void;
      ready.push(new Promise<void>((resolve) => (markReady = resolve)));
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.startsWith('ready\n')) markReady();
      });
      return new Promise<Load>((resolve, reject) => {
        child.once('exit', (code) => {
          markReady();
          if (code === 0) resolve(JSON.parse(output.trim().split('\n').at(-1)!) as Load);
          else reject(new Error(`load generator exited ${code}`));
        });
      });
    }),
  );
  await Promise.all(ready);
  for (const child of children) child.stdin!.end('go\n');
  if (meter !== undefined) {
    setTimeout(() => meter.start(), WARM_UP_MS);
    setTimeout(() => meter.stop(), WARM_UP_MS + seconds * 1000);
  }
  const loads = await results;
  return {
    acked: loads.reduce((sum, r) => sum + r.acked, 0),
    latenciesMs: loads.flatMap((r) => r.latenciesMs),
    waits: loads.reduce((sum, r) => sum + r.waits, 0),
    errors: loads.flatMap((r) => r.errors),
  };
}

/** The same records, as the collector writes them (kind and JSON per entry), XADDed from Node in pipelines of 1,000. */
async function rawXadd(url: string, records: number): Promise<number> {
  const redis = new Redis(url);
  try {
    // The same record, stored as the collector stores it (one field per value).
    const fields = counterIntervalFields({
      run_id: 'run-raw',
      time_s: 1.5,
      counters: [
        'cycles',
        'instructions',
        'cache-references',
        'cache-misses',
        'branches',
        'branch-misses',
        'task-clock',
        'context-switches',
        'page-faults',
      ].map((event, i) => ({
        event,
        value: 1_000_000 * (i + 1),
        unit: '',
        running_percent: 100,
        status: 'COUNTER_STATUS_COUNTED' as const,
        metric_value: 0,
        metric_unit: '',
        maps_to: '',
      })),
    });
    const started = performance.now();
    for (let done = 0; done < records; done += 1000) {
      const pipeline = redis.pipeline();
      for (let i = 0; i < 1000; i++)
        pipeline.xadd(`raw:{node-${i % 40}}:records`, 'MAXLEN', '~', '20000', '*', 'seq', String(done + i), 'kind', 'counter_interval', ...fields);
      await pipeline.exec();
    }
    const rate = records / ((performance.now() - started) / 1000);
    await redis.flushall();
    return rate;
  } finally {
    redis.disconnect();
  }
}
