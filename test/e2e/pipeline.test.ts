import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { FakeEnergyCounter } from '../support/fake-energy-counter.js';
import { fileTree, writeSysfsValue } from '../support/file-tree.js';
import { freePort } from '../support/free-port.js';
import { metricValue } from '../support/in-process-collector.js';
import { agentMain, type Background, collectorMain, runNode, serveArgs, startNode } from '../support/node-processes.js';
import { busyFor, hardwareCountersUnavailable } from '../support/perf-support.js';
import { promtoolCheckMetrics } from '../support/promtool.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { storedRecord } from '../support/stored-records.js';
import type { NodeInfo, PowerSample, PowerSourceStatus } from '../../proto/records.js';

/** A workload that prints on both streams, so pass-through can be checked. */
const workload = ['sh', '-c', 'i=0; while [ $i -lt 100000 ]; do i=$((i+1)); done; echo "workload stdout"; echo "workload stderr" >&2'];

describe('end to end: real collector and agent processes, real Redis, real perf', () => {
  let redisServer: RedisServer;
  let redis: Redis;
  let collector: Background;
  let grpcPort: number;
  let metricsPort: number;
  let workdir: string;
  const keyPrefix = `e2e-${randomUUID().slice(0, 8)}`;
  const env = { ...process.env, POWERPROF_LOG_LEVEL: 'info' };

  before(async () => {
    redisServer = await startRedisServer();
    redis = new Redis(redisServer.url);
    workdir = mkdtempSync(join(tmpdir(), 'powerprof-e2e-'));
    [grpcPort, metricsPort] = [await freePort(), await freePort()];
    collector = startNode(collectorMain, serveArgs(grpcPort, metricsPort, redisServer.url, '--key-prefix', keyPrefix), env);
    await collector.waitFor(/collector serving/);
  });
  after(async () => {
    await collector.stop('SIGKILL');
    redis.disconnect();
    await redisServer.stop();
    rmSync(workdir, { recursive: true, force: true });
  });

  it('3 runs of a busy loop: 3 run records in Redis, runs_total 3, promtool clean, an export of 3 rows', async () => {
    const csvDir = join(workdir, 'agent-csv');
    const agent = await runNode(
      agentMain,
      ['run', '--collector', `127.0.0.1:${grpcPort}`, '--node-id', 'e2e-node', '--repeat', '3', '--csv', csvDir, '--', ...workload],
      { env },
    );
    assert.equal(agent.code, 0, agent.stderr);
    assert.equal(agent.stdout, 'workload stdout\n'.repeat(3), "the workload's stdout passes through untouched, and perf's output is not in it");
    assert.equal(agent.stderr.split('\n').filter((l) => l === 'workload stderr').length, 3);

    const entries = await redis.xrange(`${keyPrefix}:{e2e-node}:records`, '-', '+');
    const kinds = entries.map(([, fields]) => fields[fields.indexOf('kind') + 1]);
    // Power sources report their state too (none works on most test machines).
    assert.deepEqual(
      kinds.filter((kind) => kind !== 'power_source_status'),
      ['node_info', 'run', 'run', 'run'],
    );
    const runs = entries.filter(([, fields]) => fields[fields.indexOf('kind') + 1] === 'run').map(([, fields]) => storedRecord(fields));
    assert.deepEqual(
      runs.map((r) => [r.repetition, r.status, r.workload]),
      [
        [1, 'RUN_STATUS_OK', 'sh'],
        [2, 'RUN_STATUS_OK', 'sh'],
        [3, 'RUN_STATUS_OK', 'sh'],
      ],
    );
    for (const run of runs) {
      const taskClock = run.counters.find((c) => c.event === 'task-clock');
      assert.equal(taskClock?.status, 'COUNTER_STATUS_COUNTED');
      assert.ok(taskClock.value > 0);
    }
    const nodeInfo = storedRecord<NodeInfo>(entries[0]![1]);
    assert.ok(nodeInfo.cpus >= 1 && nodeInfo.arch !== '' && nodeInfo.kernel !== '' && /^\d/.test(nodeInfo.perf_version));

    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.equal(metricValue(metrics, 'powerprof_runs_total{node="e2e-node",workload="sh",status="ok"}'), 3);
    assert.ok(metricValue(metrics, 'powerprof_agent_last_seen_timestamp_seconds{node="e2e-node"}')! > Date.now() / 1000 - 60);
    assert.deepEqual(promtoolCheckMetrics(metrics), { status: 0, output: '' });

    const outDir = join(workdir, 'export');
    const exported = await runNode(collectorMain, ['export', '--redis', redisServer.url, '--key-prefix', keyPrefix, '--out', outDir], { env });
    assert.equal(exported.code, 0, exported.stderr);
    const exportedRuns = readFileSync(join(outDir, 'runs.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(exportedRuns.length, 4);
    assert.equal(
      exportedRuns[0],
      'node,run_id,workload,repetition,status,started_at,duration_s,exit_code,cycles,instructions,cache-references,cache-misses,branches,branch-misses,task-clock,context-switches,page-faults',
    );
    assert.match(exportedRuns[1]!, /^e2e-node,[0-9a-f-]{36},sh,1,ok,\d{4}-\d\d-\d\dT[\d:.]+Z,[\d.]+,0,/);
    assert.equal(readFileSync(join(outDir, 'power.csv'), 'utf8'), 'node,source,sensor,time,watts,min_watts,max_watts,avg_watts,sampling_period_ms,state\n');

    const local = readFileSync(join(csvDir, 'runs.csv'), 'utf8');
    assert.equal(local, readFileSync(join(outDir, 'runs.csv'), 'utf8'), "the agent's --csv copy is the export's runs.csv");
  });

  it('a failing and a killed workload are runs with a status, not agent crashes; a missing one is a usage error that says so', async () => {
    const node = 'e2e-failures';
    const run = (command: string[]): Promise<{ code: number | null; stderr: string }> =>
      runNode(agentMain, ['run', '--collector', `127.0.0.1:${grpcPort}`, '--node-id', node, '--workload', 'bad', '--', ...command], { env });
    assert.equal((await run(['sh', '-c', 'exit 7'])).code, 0);
    assert.equal((await run(['sh', '-c', 'kill -KILL $$'])).code, 0);
    // In interval mode too (perf -I itself exits 0 whatever the workload did).
    assert.equal(
      (
        await runNode(
          agentMain,
          [
            'run',
            '--collector',
            `127.0.0.1:${grpcPort}`,
            '--node-id',
            node,
            '--workload',
            'bad',
            '--interval-ms',
            '100',
            '--',
            'sh',
            '-c',
            'sleep 0.3; exit 3',
          ],
          { env },
        )
      ).code,
      0,
    );
    const missing = await run(['/nonexistent/bin']);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /the workload "\/nonexistent\/bin": command not found \(no such file\)/);
    const entries = await redis.xrange(`${keyPrefix}:{${node}}:records`, '-', '+');
    const runs = entries.filter(([, f]) => f.includes('run')).map(([, f]) => storedRecord(f));
    assert.deepEqual(
      runs.map((r) => [r.status, r.exit_code, r.signal]),
      [
        ['RUN_STATUS_FAILED', 7, ''],
        ['RUN_STATUS_KILLED', 0, 'SIGKILL'],
        ['RUN_STATUS_FAILED', 3, ''],
      ],
      JSON.stringify(
        runs.map((r) => ({ command: r.command, status: r.status, exit: r.exit_code, error: r.error, ms: r.duration_ms })),
        null,
        1,
      ),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    for (const [status, count] of [
      ['failed', 2],
      ['killed', 1],
    ] as const) {
      assert.equal(metricValue(metrics, `powerprof_runs_total{node="${node}",workload="bad",status="${status}"}`), count);
    }
  });

  it("workload metrics in the original script's format: captured, stdout untouched, in runs.csv and on /metrics", async () => {
    const original = 'printf "RIGHTS: 480\\nWRONGS: 20\\nACC: 0.96\\nTime Elapsed: 12.3s\\nPOWERPROF {\\"items\\": 500}\\n"';
    const csvDir = join(workdir, 'metrics-csv');
    const agent = await runNode(
      agentMain,
      [
        'run',
        '--collector',
        `127.0.0.1:${grpcPort}`,
        '--node-id',
        'e2e-metrics',
        '--workload',
        'resnet50',
        '--repeat',
        '2',
        '--csv',
        csvDir,
        '--',
        'sh',
        '-c',
        original,
      ],
      { env },
    );
    assert.equal(agent.code, 0, agent.stderr);
    assert.equal(agent.stdout, 'RIGHTS: 480\nWRONGS: 20\nACC: 0.96\nTime Elapsed: 12.3s\nPOWERPROF {"items": 500}\n'.repeat(2));
    const entries = await redis.xrange(`${keyPrefix}:{e2e-metrics}:records`, '-', '+');
    const runEntry = entries.find(([, fields]) => fields[fields.indexOf('kind') + 1] === 'run')!;
    const run = storedRecord(runEntry[1]);
    assert.deepEqual(run.workload_metrics, { RIGHTS: 480, WRONGS: 20, ACC: 0.96, 'Time Elapsed': 12.3, items: 500 });
    assert.equal(run.items, 500);
    const [header, row] = readFileSync(join(csvDir, 'runs.csv'), 'utf8').split('\n');
    assert.match(header!, /,page-faults,RIGHTS,WRONGS,ACC,Time Elapsed,items$/);
    assert.match(row!, /,480,20,0\.96,12\.3,500$/);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    assert.equal(metricValue(metrics, 'powerprof_workload_metric{node="e2e-metrics",workload="resnet50",name="ACC"}'), 0.96);
    assert.equal(metricValue(metrics, 'powerprof_workload_metric{node="e2e-metrics",workload="resnet50",name="Time Elapsed"}'), 12.3);
    assert.deepEqual(promtoolCheckMetrics(metrics), { status: 0, output: '' });
  });

  it('--interval-ms: counter intervals reach Redis while the run goes, and counters.csv has them', async () => {
    // Longer than the agent's linger (SHIP_LINGER_MS, 1 s), so that a batch of intervals goes while it runs.
    const busy = busyFor(1_800);
    const agent = await runNode(
      agentMain,
      ['run', '--collector', `127.0.0.1:${grpcPort}`, '--node-id', 'e2e-interval', '--interval-ms', '100', '--events', 'task-clock,page-faults', '--', ...busy],
      { env },
    );
    assert.equal(agent.code, 0, agent.stderr);
    const entries = await redis.xrange(`${keyPrefix}:{e2e-interval}:records`, '-', '+');
    const kind = (fields: string[]) => fields[fields.indexOf('kind') + 1];
    const run = storedRecord(entries.find(([, f]) => kind(f) === 'run')![1]);
    const intervalIds = entries.filter(([, f]) => kind(f) === 'counter_interval').map(([id]) => Number(id.split('-')[0]));
    assert.ok(intervalIds.length >= 4, `${intervalIds.length} intervals`);
    assert.ok(intervalIds.filter((writtenAtMs) => writtenAtMs < run.ended_time_unix_ms).length >= 2, 'intervals were written to Redis before the run ended');

    const outDir = join(workdir, 'interval-export');
    const exported = await runNode(collectorMain, ['export', '--redis', redisServer.url, '--key-prefix', keyPrefix, '--out', outDir], { env });
    assert.equal(exported.code, 0, exported.stderr);
    const rows = readFileSync(join(outDir, 'counters.csv'), 'utf8')
      .trimEnd()
      .split('\n')
      .filter((line) => line.startsWith(`e2e-interval,${run.run_id},`));
    assert.ok(rows.filter((line) => line.includes(',task-clock,')).length >= 4);
    assert.match(rows[0]!, /^e2e-interval,[0-9a-f-]{36},0\.1\d*,task-clock,[\d.]+,msec,counted,100$/);
  });

  it('power: samples stream, each run gets its energy over its window, and /metrics and the CSVs show both', async () => {
    const tree = fileTree({
      'class/powercap/intel-rapl:0/name': 'package-0\n',
      'class/powercap/intel-rapl:0/energy_uj': '0\n',
      'class/powercap/intel-rapl:0/max_energy_range_uj': '262143328850\n',
    });
    const counter = new FakeEnergyCounter(join(tree, 'class/powercap/intel-rapl:0/energy_uj'), 50).start();
    try {
      const csvDir = join(workdir, 'power-csv');
      const agent = await runNode(
        agentMain,
        [
          'run',
          '--collector',
          `127.0.0.1:${grpcPort}`,
          '--node-id',
          'e2e-power',
          '--no-perf',
          '--power',
          'rapl',
          '--sysfs-root',
          tree,
          '--power-period-ms',
          '100',
          '--idle-s',
          '0.3',
          '--repeat',
          '2',
          '--csv',
          csvDir,
          '--',
          'sleep',
          '1',
        ],
        { env },
      );
      assert.equal(agent.code, 0, agent.stderr);
      const entries = await redis.xrange(`${keyPrefix}:{e2e-power}:records`, '-', '+');
      const ofKind = (kind: string): string[][] => entries.filter(([, f]) => f[f.indexOf('kind') + 1] === kind).map(([, f]) => f);
      const runs = ofKind('run').map((f) => storedRecord(f));
      assert.equal(runs.length, 2);
      const samples = ofKind('power_sample').map((f) => storedRecord<PowerSample>(f));
      assert.ok(samples.length >= 15, `${samples.length} power samples`);
      // Held to what the counter really held when (its writer runs late on a loaded machine), not to the clock.
      const staleS = counter.stalenessMs(samples) / 1000;
      const idleSlackW = 5 + (2 * 50 * staleS) / 0.3;
      assert.match(agent.stderr, /idle power: [\d.]+ W before the first run/);
      const idle = Number(/idle power: ([\d.]+) W before the first run/.exec(agent.stderr)![1]);
      assert.ok(Math.abs(idle - 50) <= idleSlackW, `idle ${idle} W (± ${idleSlackW.toFixed(1)})`);
      for (const run of runs) {
        const slackJ = 5 + 2 * 50 * staleS;
        assert.equal(run.energy_source, 'rapl/package-0');
        assert.ok(Math.abs(run.avg_watts! - 50) <= slackJ / (run.duration_ms / 1000), `avg ${run.avg_watts} W`);
        assert.ok(
          Math.abs(run.energy_joules! - 50 * (run.duration_ms / 1000)) <= slackJ,
          `${run.energy_joules} J in ${run.duration_ms} ms at 50 W (± ${slackJ.toFixed(1)} J)`,
        );
        assert.ok(Math.abs(run.idle_watts! - 50) <= idleSlackW);
        assert.ok(run.energy_uncertainty_joules! >= 0);
      }
      assert.ok(ofKind('power_source_status').some((f) => storedRecord<PowerSourceStatus>(f).source === 'rapl' && storedRecord<PowerSourceStatus>(f).up));

      const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      assert.equal(metricValue(metrics, 'powerprof_power_source_up{node="e2e-power",source="rapl"}'), 1);
      const latest = samples.filter((sample) => sample.sensor === 'package-0').at(-1)!;
      assert.equal(
        metricValue(metrics, 'powerprof_node_power_watts{node="e2e-power",source="rapl",sensor="package-0"}'),
        latest.watts,
        'the gauge is the latest reading',
      );
      assert.ok(
        Math.abs(
          metricValue(metrics, 'powerprof_run_energy_joules_total{node="e2e-power",workload="sleep"}')! - runs[0]!.energy_joules! - runs[1]!.energy_joules!,
        ) < 1e-6,
      );
      assert.deepEqual(promtoolCheckMetrics(metrics), { status: 0, output: '' });

      const [header, row] = readFileSync(join(csvDir, 'runs.csv'), 'utf8').split('\n');
      assert.match(
        header!,
        /,energy_joules,avg_watts,idle_watts,dynamic_energy_joules,joules_per_item,energy_uncertainty_joules,rapl_energy_joules,rapl_avg_watts,rapl_uncertainty_joules$/,
      );
      const cell = (name: string): number => Number(row!.split(',')[header!.split(',').indexOf(name)]);
      assert.deepEqual(
        [cell('energy_joules'), cell('avg_watts'), cell('rapl_energy_joules')],
        [runs[0]!.energy_joules, runs[0]!.avg_watts, runs[0]!.energy_joules],
        "the agent's CSV has what Redis has",
      );
      const power = readFileSync(join(csvDir, 'power.csv'), 'utf8').trimEnd().split('\n');
      assert.ok(power.length >= 16);
      assert.match(power[1]!, /^e2e-power,rapl,package-0,\d{4}-\d\d-\d\dT[\d:.]+Z,\d+(\.\d+)?,,,,,$/);
    } finally {
      counter.stop();
    }
  });

  it('SIGTERM during a run: the run is recorded as interrupted and delivered, exit 130', async () => {
    const agent = startNode(agentMain, ['run', '--collector', `127.0.0.1:${grpcPort}`, '--node-id', 'e2e-sigterm', '--repeat', '5', '--', 'sleep', '30'], env);
    await agent.waitFor(/connected to collector/);
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(await agent.stop('SIGTERM'), 130, agent.output());
    const entries = await redis.xrange(`${keyPrefix}:{e2e-sigterm}:records`, '-', '+');
    const runs = entries.filter(([, f]) => f.includes('run')).map(([, f]) => storedRecord(f));
    assert.deepEqual(
      runs.map((r) => r.status),
      ['RUN_STATUS_INTERRUPTED'],
      'one interrupted run, and no further repetitions',
    );
  });

  it('without perf (--no-perf) a run still records time and exit status', async () => {
    const agent = await runNode(agentMain, ['run', '--collector', `127.0.0.1:${grpcPort}`, '--node-id', 'e2e-noperf', '--no-perf', '--', 'true'], { env });
    assert.equal(agent.code, 0, agent.stderr);
    const entries = await redis.xrange(`${keyPrefix}:{e2e-noperf}:records`, '-', '+');
    const runEntry = entries.find(([, fields]) => fields[fields.indexOf('kind') + 1] === 'run')!;
    const run = storedRecord(runEntry[1]);
    assert.deepEqual([run.status, run.perf_used, run.counters], ['RUN_STATUS_OK', false, []]);
  });
});

describe('collector shutdown', () => {
  it('SIGTERM with an agent connected: in-flight batches finish, the collector exits 0 promptly', async () => {
    const redisServer = await startRedisServer();
    const [grpcPort, metricsPort] = [await freePort(), await freePort()];
    const collector = startNode(collectorMain, serveArgs(grpcPort, metricsPort, redisServer.url));
    try {
      await collector.waitFor(/collector serving/);
      const agent = startNode(agentMain, [
        'run',
        '--collector',
        `127.0.0.1:${grpcPort}`,
        '--node-id',
        'shutdown-node',
        '--no-perf',
        '--repeat',
        '3',
        '--',
        'sleep',
        '0.5',
      ]);
      await agent.waitFor(/connected to collector/);
      const started = Date.now();
      assert.equal(await collector.stop('SIGTERM'), 0, collector.output());
      assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms`);
      await agent.stop('SIGKILL');
    } finally {
      await collector.stop('SIGKILL');
      await redisServer.stop();
    }
  });
});

describe('powerprof-agent probe', () => {
  it('lists each event with its status, and why hardware events are missing where they are', async () => {
    const probe = await runNode(agentMain, ['probe', '--events', 'preset:seed,task-clock']);
    assert.equal(probe.code, 0, probe.stderr);
    assert.match(probe.stdout, /^perf\s+\d+\.\d+/m);
    assert.match(probe.stdout, /^task-clock\s+counted/m);
    const unavailable = hardwareCountersUnavailable();
    if (unavailable === undefined) assert.match(probe.stdout, /^cycles\s+counted\s+counts /m);
    else assert.match(probe.stdout, /^cycles\s+not_supported\s+no hardware PMU \(see above\)/m);
  });

  it('prints each power source: ok with a first reading, or why not', async () => {
    const tree = fileTree({
      'class/powercap/intel-rapl:0/name': 'package-0\n',
      'class/powercap/intel-rapl:0/energy_uj': '0\n',
      'class/powercap/intel-rapl:0/max_energy_range_uj': '262143328850\n',
    });
    const startedAt = Date.now();
    const writer = setInterval(
      () => writeSysfsValue(join(tree, 'class/powercap/intel-rapl:0/energy_uj'), `${Math.round((Date.now() - startedAt) * 80_000)}\n`),
      10,
    ); // 80 W
    try {
      const probe = await runNode(agentMain, ['probe', '--events', 'task-clock', '--power', 'rapl,hwmon', '--sysfs-root', tree, '--power-period-ms', '200']);
      assert.equal(probe.code, 0, probe.stderr);
      assert.match(probe.stdout, /^rapl\s+ok\s+package-0 (7[5-9]|8[0-5])\.\d W/m);
      assert.match(probe.stdout, /^hwmon\s+no\s+no power\*_input or energy\*_input under /m);
    } finally {
      clearInterval(writer);
    }
  });
});

describe('agent usage errors', () => {
  it('perf missing: says so with the fix and exits 2', async () => {
    const agent = await runNode(agentMain, ['run', '--perf-path', '/nonexistent/perf', '--', 'true']);
    assert.equal(agent.code, 2);
    assert.match(agent.stderr, /perf is not installed \("\/nonexistent\/perf" not found\)/);
    assert.match(agent.stderr, /apt-get install linux-perf/);
  });

  it('collector unreachable: the runs happen, the agent says what was not delivered and exits 1', async () => {
    const port = await freePort();
    const agent = await runNode(agentMain, ['run', '--collector', `127.0.0.1:${port}`, '--flush-timeout', '1', '--', 'true']);
    assert.equal(agent.code, 1);
    assert.match(agent.stderr, /records not delivered to the collector/);
    assert.match(agent.stderr, /"undelivered":[2-9]\d*/);
  });

  it('bad flags list every problem and exit 2', async () => {
    const agent = await runNode(agentMain, ['run', '--repeat', '0', '--collector', 'nowhere']);
    assert.equal(agent.code, 2);
    assert.match(agent.stderr, /- no workload/);
    assert.match(agent.stderr, /- collector: must be HOST:PORT/);
    assert.match(agent.stderr, /- repeat: Number must be greater than or equal to 1/);
  });

  it('--help is printed and exits 0', async () => {
    for (const args of [['--help'], ['run', '--help']]) {
      const agent = await runNode(agentMain, args);
      assert.equal(agent.code, 0);
      assert.match(agent.stdout, /Usage:/);
    }
  });
});
