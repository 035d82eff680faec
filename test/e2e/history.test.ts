import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { csvObjects } from '../../proto/csv-tables.js';
import { readHistory } from '../../collector/history/read-history.js';
import { queryHistory } from '../support/duckdb-history.js';
import { promtoolCheckMetrics } from '../support/promtool.js';
import { occHwmonTree } from '../support/file-tree.js';
import { freePort } from '../support/free-port.js';
import { agentMain, collectorMain, runNode, serveArgs, startNode, type Background } from '../support/node-processes.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

const NODES = ['hist-a', 'hist-b'];
const EVENTS = 'task-clock,page-faults,context-switches';

/**
 * The queue drained into history, end to end: two real agents (power at
 * 10 Hz from an OCC-like hwmon sensor, counter intervals at 10 Hz) into a
 * real collector, a real sink process into Parquet, and the files read by
 * DuckDB, which shares no code with powerprof, compared value by value with
 * what the agents wrote to their own --csv copies.
 */
describe('history: agents -> collector -> Redis -> sink -> Parquet', () => {
  let redisServer: RedisServer;
  let redis: Redis;
  let collector: Background;
  let workdir: string;
  let historyDir: string;
  let sysfs: string;
  let sinkLog = '';
  let sinkMetrics = '';
  let sink: Background | undefined;

  before(async () => {
    redisServer = await startRedisServer();
    redis = new Redis(redisServer.url);
    workdir = mkdtempSync(join(tmpdir(), 'powerprof-history-e2e-'));
    historyDir = join(workdir, 'history');
    sysfs = occHwmonTree();
    const [grpcPort, metricsPort] = [await freePort(), await freePort()];
    collector = startNode(collectorMain, serveArgs(grpcPort, metricsPort, redisServer.url));
    await collector.waitFor(/collector serving/);
    const agents = NODES.map((node) =>
      runNode(agentMain, [
        'run',
        '--collector',
        `127.0.0.1:${grpcPort}`,
        '--node-id',
        node,
        '--csv',
        join(workdir, `csv-${node}`),
        '--power',
        'hwmon',
        '--sysfs-root',
        sysfs,
        '--power-period-ms',
        '100',
        '--idle-s',
        '0.3',
        '--interval-ms',
        '100',
        '--events',
        EVENTS,
        '--repeat',
        '2',
        '--',
        'sleep',
        '0.6',
      ]),
    );
    for (const finished of await Promise.all(agents)) assert.equal(finished.code, 0, finished.stderr);
    sink = startNode(collectorMain, [
      'sink',
      ...['--redis', redisServer.url, '--dir', historyDir, '--flush-interval-s', '0', '--poll-s', '0.1', '--metrics-listen', '127.0.0.1:0'],
    ]);
    const started = await sink.waitFor(/history sink started/);
    const sinkMetricsPort = (JSON.parse(started) as { metrics_port: number }).metrics_port;
    for (let waited = 0; ; waited += 100) {
      const left = await Promise.all(NODES.map((node) => redis.xlen(`powerprof:{${node}}:records`)));
      if (left.every((length) => length === 0)) break;
      assert.ok(waited < 20_000, `the sink drains both streams (left: ${left.join(', ')}):\n${sink.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    // The backlog gauge is measured at the end of a pass: it says 0 once a pass has ended after the drain.
    for (let waited = 0; ; waited += 100) {
      sinkMetrics = await (await fetch(`http://127.0.0.1:${sinkMetricsPort}/metrics`)).text();
      if (/^powerprof_sink_backlog_records 0$/m.test(sinkMetrics) || waited >= 5_000) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(await sink.stop('SIGTERM'), 0, sink.output());
    sinkLog = sink.output();
  });
  after(async () => {
    await sink?.stop('SIGKILL');
    await collector.stop('SIGKILL');
    redis.disconnect();
    await redisServer.stop();
    rmSync(workdir, { recursive: true, force: true });
    rmSync(sysfs, { recursive: true, force: true });
  });

  const agentCsv = (node: string, file: string) => csvObjects(readFileSync(join(workdir, `csv-${node}`, file), 'utf8'));

  it('power: every sample each agent took is in the history once, every value as the agent wrote it', async () => {
    const rows = await queryHistory(
      historyDir,
      'power',
      'SELECT node, source, sensor, epoch_ms(time) AS time_ms, watts, min_watts, max_watts, avg_watts, sampling_period_ms, state, stream_id FROM HISTORY',
    );
    assert.equal(new Set(rows.map((row) => `${row.node as string}|${row.stream_id as string}`)).size, rows.length, 'no stream entry twice');
    const byKey = new Map(rows.map((row) => [`${row.node as string}|${row.source as string}|${row.sensor as string}|${Number(row.time_ms)}`, row]));
    assert.equal(byKey.size, rows.length, 'no sample twice');
    let compared = 0;
    for (const node of NODES) {
      for (const sample of agentCsv(node, 'power.csv')) {
        const row = byKey.get(`${node}|${sample.source}|${sample.sensor}|${Date.parse(sample.time!)}`);
        assert.ok(row, `${node}: the sample at ${sample.time} is in the history`);
        assert.equal(row.watts, Number(sample.watts));
        for (const name of ['min_watts', 'max_watts', 'avg_watts', 'sampling_period_ms'] as const)
          assert.equal(row[name], sample[name] === '' ? null : Number(sample[name]), name);
        assert.equal(row.state, sample.state);
        compared++;
      }
    }
    assert.ok(compared > 20, `a real amount of samples: ${compared}`);
    assert.equal(compared, rows.length, 'nothing in the history that no agent sent');
  });

  it('counters: every interval row of each agent, with value, unit, status and running share', async () => {
    const rows = await queryHistory(historyDir, 'counters', 'SELECT node, run_id, time_s, event, value, unit, status, running_percent FROM HISTORY');
    const byKey = new Map(rows.map((row) => [`${row.node as string}|${row.run_id as string}|${row.time_s as number}|${row.event as string}`, row]));
    assert.equal(byKey.size, rows.length, 'no interval row twice');
    let compared = 0;
    for (const node of NODES) {
      for (const line of agentCsv(node, 'counters.csv')) {
        const row = byKey.get(`${node}|${line.run_id}|${Number(line.time_s)}|${line.event}`);
        assert.ok(row, `${node}: ${line.run_id} at ${line.time_s} s, ${line.event}`);
        assert.equal(row.value, line.value === '' ? null : Number(line.value));
        assert.equal(row.unit, line.unit);
        assert.equal(row.status, line.status);
        assert.equal(row.running_percent, Number(line.running_percent));
        compared++;
      }
    }
    assert.ok(compared >= 2 * 2 * 3 * 3, `intervals of both nodes' runs: ${compared}`);
    assert.equal(compared, rows.length);
  });

  it("runs: each run once, with runs.csv's columns (events and metrics as maps) and the whole record", async () => {
    const rows = await queryHistory(
      historyDir,
      'runs',
      "SELECT node, run_id, workload, repetition, status, epoch_ms(started_at) AS started_ms, duration_s, exit_code, to_json(counters) AS counters, record->>'$.fingerprint.arch' AS arch, energy_joules, idle_watts FROM HISTORY",
    );
    assert.equal(rows.length, 4);
    for (const node of NODES) {
      for (const run of agentCsv(node, 'runs.csv')) {
        const row = rows.find((r) => r.run_id === run.run_id);
        assert.ok(row, `${node}: run ${run.run_id}`);
        assert.equal(row.node, node);
        assert.equal(row.workload, run.workload);
        assert.equal(row.repetition, Number(run.repetition));
        assert.equal(row.status, run.status);
        assert.equal(Number(row.started_ms), Date.parse(run.started_at!));
        assert.equal(Math.round((row.duration_s as number) * 1e6) / 1e6, Number(run.duration_s), 'runs.csv rounds to the microsecond');
        assert.equal(row.exit_code, Number(run.exit_code));
        assert.equal(row.arch, process.arch === 'x64' ? 'x86_64' : row.arch);
        const counters = JSON.parse(row.counters as string) as Record<string, number>;
        for (const event of EVENTS.split(',')) assert.equal(counters[event], run[event] === '' ? undefined : Number(run[event]), event);
        assert.equal(row.energy_joules, Number(run.energy_joules));
        assert.equal(row.idle_watts, Number(run.idle_watts));
      }
    }
  });

  it("export --history gives each node's CSVs as its agent wrote them, though Redis no longer holds them", async () => {
    const out = join(workdir, 'export');
    const exported = await runNode(collectorMain, ['export', '--redis', redisServer.url, '--history', historyDir, '--out', out]);
    assert.equal(exported.code, 0, exported.stderr);
    for (const file of ['runs.csv', 'power.csv', 'counters.csv']) {
      const lines = readFileSync(join(out, file), 'utf8').trimEnd().split('\n');
      for (const node of NODES) {
        const local = readFileSync(join(workdir, `csv-${node}`, file), 'utf8')
          .trimEnd()
          .split('\n');
        assert.equal(lines[0], local[0], `${file}: the same columns`);
        assert.deepEqual(
          lines.slice(1).filter((line) => line.startsWith(`${node},`)),
          local.slice(1),
          `${file} of ${node}`,
        );
      }
    }
    const redisOnly = await runNode(collectorMain, ['export', '--redis', redisServer.url, '--out', join(workdir, 'redis-only')]);
    assert.equal(redisOnly.code, 0, redisOnly.stderr);
    assert.equal(
      readFileSync(join(workdir, 'redis-only', 'runs.csv'), 'utf8')
        .trimEnd()
        .split('\n').length,
      1,
      'Redis alone: drained',
    );
  });

  it('report --history covers what only the history holds', async () => {
    const out = join(workdir, 'report.html');
    const report = await runNode(collectorMain, ['report', '--redis', redisServer.url, '--history', historyDir, '--out', out]);
    assert.equal(report.code, 0, report.stderr);
    const html = readFileSync(out, 'utf8');
    for (const node of NODES) assert.ok(html.includes(node), `the report shows ${node}`);
    const missing = await runNode(collectorMain, ['report', '--redis', redisServer.url, '--history', join(workdir, 'no-such-dir'), '--out', out]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no history folder at .*no-such-dir \(the sink's --dir\)/);
  });

  it('the sink said what it wrote, and its /metrics (promtool clean) count every record once, with nothing waiting', async () => {
    assert.match(sinkLog, /batch written to history/);
    const checked = promtoolCheckMetrics(sinkMetrics);
    assert.equal(checked.status, 0, checked.output);
    const written = [...sinkMetrics.matchAll(/^powerprof_sink_records_written_total\{table="(\w+)"\} (\d+)$/gm)].map((m) => [m[1], Number(m[2])] as const);
    const total = written.reduce((sum, [, n]) => sum + n, 0);
    const inHistory = [...(await readHistory(historyDir)).values()].reduce((sum, records) => sum + records.length, 0);
    assert.equal(total, inHistory, `records written by table: ${JSON.stringify(written)}`);
    assert.match(sinkMetrics, /^powerprof_sink_backlog_records 0$/m);
    assert.match(sinkMetrics, /^powerprof_sink_pass_failures_total 0$/m);
    assert.match(sinkMetrics, /^powerprof_sink_files_written_total [1-9]\d*$/m);
  });
});
