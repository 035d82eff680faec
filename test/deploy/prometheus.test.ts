import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as grpc from '@grpc/grpc-js';
import { loadIngestProto } from '../../proto/load-ingest-proto.js';
import type { Ack, Batch } from '../../proto/records.js';
import { SinkMetrics } from '../../collector/sink/sink-metrics.js';
import { repositoryRoot } from '../../proto/repository-root.js';
import { SAMPLE_TIME_MS, sampleBatch, sampleNodeInfo, sampleRun } from '../proto/sample-records.js';
import { freePort } from '../support/free-port.js';
import { scrape, startTestCollector } from '../support/in-process-collector.js';
import { promtoolCheckMetrics } from '../support/promtool.js';
import { useRedisServer } from '../support/redis-server.js';

const prometheusDir = join(repositoryRoot, 'deploy/prometheus');
const grafanaDir = join(repositoryRoot, 'deploy/grafana/dashboards');

function promtool(...args: string[]): { status: number | null; output: string } {
  const result = spawnSync('promtool', args, { cwd: prometheusDir, encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`promtool could not run (apt-get install prometheus): ${result.error.message}`);
  return { status: result.status, output: result.stdout + result.stderr };
}

/** Metric names (not recording rules) that a rules file or a dashboard asks for. */
function metricsUsedIn(text: string): Set<string> {
  return new Set([...text.matchAll(/\b(powerprof_[a-z_]+)\b/g)].map((match) => match[1]!));
}

/** `# TYPE name type` lines of an exposition. */
function exposedTypes(metrics: string): Map<string, string> {
  return new Map([...metrics.matchAll(/^# TYPE (\S+) (\S+)$/gm)].map((match) => [match[1]!, match[2]!]));
}

/** A batch that makes every kind of series exist: a run with energy and items, power, a source's status. */
function everyKindOfRecord(node: string): Batch {
  const batch = sampleBatch(node, 1, ['r1']);
  batch.records = [
    { seq: 0, kind: 'node_info', node_info: sampleNodeInfo(node) },
    { seq: 0, kind: 'run', run: sampleRun('r1', { energy_joules: 1200, items: 500, workload_metrics: { items: 500 } }) },
    {
      seq: 0,
      kind: 'power_sample',
      power_sample: { source: 'ipmi-dcmi', sensor: 'system', time_unix_ms: SAMPLE_TIME_MS, watts: 420, state: 'activated' } as never,
    },
    {
      seq: 0,
      kind: 'power_source_status',
      power_source_status: { source: 'ipmi-dcmi', up: true, error: '', sensors: ['system'], time_unix_ms: SAMPLE_TIME_MS },
    },
  ];
  return batch;
}

function push(port: number, batch: Batch): Promise<void> {
  const ingest = new (loadIngestProto().Ingest)(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  return new Promise((resolve, reject) => {
    const stream = ingest.Push();
    stream.on('data', (ack: Ack) => {
      stream.end();
      ingest.close();
      if (ack.code === 0) resolve();
      else reject(new Error(ack.message));
    });
    stream.on('error', reject);
    stream.write(batch);
  });
}

describe('deploy/prometheus and deploy/grafana, checked by the real tools', () => {
  const shared = useRedisServer();
  let collector: Awaited<ReturnType<typeof startTestCollector>>;
  let metrics: string;
  before(async () => {
    collector = await startTestCollector(shared.server.url);
    await push(collector.grpcPort, everyKindOfRecord('prom-node'));
    metrics = await scrape(collector.metricsPort);
  });
  after(() => collector.shutdown());

  it('the scrape config and the rules pass promtool check; the alert rules pass their unit tests', () => {
    const config = promtool('check', 'config', 'prometheus.yml');
    assert.equal(config.status, 0, config.output);
    const rules = promtool('check', 'rules', 'powerprof-rules.yml');
    assert.equal(rules.status, 0, rules.output);
    const tests = promtool('test', 'rules', 'powerprof-rules.test.yml');
    assert.equal(tests.status, 0, tests.output);
    assert.match(tests.output, /SUCCESS/);
  });

  it('every metric a rule or a dashboard uses is one the collector or the history sink exposes', async () => {
    const exposed = new Map([...exposedTypes(metrics), ...exposedTypes(await new SinkMetrics().registry.metrics())]);
    const sources = [join(prometheusDir, 'powerprof-rules.yml'), ...readdirSync(grafanaDir).map((file) => join(grafanaDir, file))];
    for (const file of sources) {
      for (const name of metricsUsedIn(readFileSync(file, 'utf8'))) {
        const family = name.replace(/_(bucket|sum|count)$/, '');
        assert.ok(exposed.has(family), `${file.replace(repositoryRoot, '')} uses ${name}, which neither the collector nor the sink exposes`);
      }
    }
  });

  it('the metrics reference (docs/metrics.md) lists exactly what the collector exposes, with the same types and labels', () => {
    const reference = readFileSync(join(repositoryRoot, 'docs/metrics.md'), 'utf8');
    const documented = new Map(
      [...reference.matchAll(/^\| `(powerprof_[a-z_]+)` \| (\w+) \|([^|]*)\|/gm)].map((m) => [m[1]!, { type: m[2]!, labels: m[3]!.trim() }]),
    );
    const exposed = exposedTypes(metrics);
    const ours = [...exposed.keys()].filter((name) => name.startsWith('powerprof_')).sort();
    // The history sink's metrics have their own table, checked against the sink's registry below.
    for (const name of documented.keys()) if (name.startsWith('powerprof_sink_')) documented.delete(name);
    assert.deepEqual([...documented.keys()].sort(), ours, 'documented rows = exposed metrics');
    for (const [name, { type, labels }] of documented) {
      assert.equal(type, exposed.get(name), `${name}: type`);
      const series = metrics.split('\n').find((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
      if (series === undefined) continue;
      const seriesLabels = [...(series.match(/\{(.*)\}/)?.[1] ?? '').matchAll(/(\w+)="/g)].map((m) => m[1]!).join(', ');
      assert.equal(labels, seriesLabels, `${name}: labels`);
    }
  });

  it('the metrics reference lists exactly what the history sink exposes, and promtool finds its exposition clean', async () => {
    const reference = readFileSync(join(repositoryRoot, 'docs/metrics.md'), 'utf8');
    const documented = new Map(
      [...reference.matchAll(/^\| `(powerprof_sink_[a-z_]+)` \| (\w+) \|([^|]*)\|/gm)].map((m) => [m[1]!, { type: m[2]!, labels: m[3]!.trim() }]),
    );
    const sinkMetrics = new SinkMetrics();
    sinkMetrics.batchWritten(new Map([['power', 3]]), 1, 1000, false);
    const text = await sinkMetrics.registry.metrics();
    const exposed = exposedTypes(text);
    assert.deepEqual([...documented.keys()].sort(), [...exposed.keys()].sort());
    for (const [name, { type, labels }] of documented) {
      assert.equal(type, exposed.get(name), `${name}: type`);
      const series = text.split('\n').find((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
      const seriesLabels = [...(series?.match(/\{(.*)\}/)?.[1] ?? '').matchAll(/(\w+)="/g)].map((m) => m[1]!).join(', ');
      assert.equal(labels, seriesLabels, `${name}: labels`);
    }
    const checked = promtoolCheckMetrics(text);
    assert.equal(checked.status, 0, checked.output);
  });

  it('the real Prometheus scrapes a real collector with the shipped config and rules, and answers queries', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'powerprof-prometheus-'));
    const port = await freePort();
    const config = readFileSync(join(prometheusDir, 'prometheus.yml'), 'utf8')
      .replace("'127.0.0.1:9464'", `'127.0.0.1:${collector.metricsPort}'`)
      .replace('scrape_interval: 15s', 'scrape_interval: 1s')
      .replace('evaluation_interval: 15s', 'evaluation_interval: 1s');
    writeFileSync(join(dir, 'prometheus.yml'), config);
    copyFileSync(join(prometheusDir, 'powerprof-rules.yml'), join(dir, 'powerprof-rules.yml'));
    const server = spawn(
      'prometheus',
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    server.stderr.on('data', (chunk: Buffer) => (log += chunk.toString()));
    const query = async (promql: string): Promise<Array<{ metric: { [label: string]: string }; value: [number, string] }>> => {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(promql)}`);
      const body = (await response.json()) as { status: string; data: { result: Array<{ metric: { [label: string]: string }; value: [number, string] }> } };
      assert.equal(body.status, 'success');
      return body.data.result;
    };
    try {
      const deadline = Date.now() + 30_000;
      let runs: Awaited<ReturnType<typeof query>> = [];
      while (runs.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        runs = await query('powerprof_runs_total').catch(() => []);
      }
      assert.equal(runs.length, 1, `Prometheus has the collector's runs; its log:\n${log}`);
      assert.deepEqual([runs[0]!.metric.node, runs[0]!.metric.workload, runs[0]!.metric.status, runs[0]!.value[1]], ['prom-node', 'resnet50', 'ok', '1']);
      assert.equal((await query('up{job="powerprof-collector"}'))[0]!.value[1], '1');
      assert.equal((await query('powerprof_node_power_watts{node="prom-node"}'))[0]!.value[1], '420');
      const rules = (await (await fetch(`http://127.0.0.1:${port}/api/v1/rules`)).json()) as {
        data: { groups: Array<{ rules: Array<{ health: string; name: string }> }> };
      };
      const loaded = rules.data.groups.flatMap((group) => group.rules);
      assert.ok(loaded.length >= 10 && loaded.every((rule) => rule.health !== 'err'), JSON.stringify(loaded));
    } finally {
      server.kill('SIGTERM');
      await new Promise((resolve) => server.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
