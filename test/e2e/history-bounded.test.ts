import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { Redis } from 'ioredis';
import { csvObjects } from '../../proto/csv-tables.js';
import { queryHistory } from '../support/duckdb-history.js';
import { occHwmonTree } from '../support/file-tree.js';
import { freePort } from '../support/free-port.js';
import { agentMain, collectorMain, runNode, serveArgs, startNode } from '../support/node-processes.js';
import { startRedisServer } from '../support/redis-server.js';

const AGENTS = 3;
const SECONDS = 60;

/**
 * Redis stays small while the sink runs: three agents send power and counter
 * intervals at 10 Hz for a minute, a sink with a 2 s flush interval drains
 * them. What Redis held is sampled every second and compared with what was
 * produced (the agents' --csv copies), not with a guess of the rate.
 */
it('a minute of three 10 Hz agents with the sink running: Redis holds a few seconds of records, not the minute, and the history all of it once', async (t) => {
  const redisServer = await startRedisServer();
  const redis = new Redis(redisServer.url);
  const workdir = mkdtempSync(join(tmpdir(), 'powerprof-bounded-'));
  const sysfs = occHwmonTree();
  const [grpcPort, metricsPort] = [await freePort(), await freePort()];
  const collector = startNode(collectorMain, serveArgs(grpcPort, metricsPort, redisServer.url));
  const historyDir = join(workdir, 'history');
  const sink = startNode(collectorMain, [
    'sink',
    '--redis',
    redisServer.url,
    '--dir',
    historyDir,
    '--flush-interval-s',
    '2',
    '--poll-s',
    '0.2',
    '--metrics-listen',
    '127.0.0.1:0',
  ]);
  try {
    await collector.waitFor(/collector serving/);
    await sink.waitFor(/history sink started/);
    const nodes = Array.from({ length: AGENTS }, (_, i) => `bounded-${i + 1}`);
    const agents = nodes.map((node) =>
      runNode(
        agentMain,
        [
          'run',
          ...['--collector', `127.0.0.1:${grpcPort}`, '--node-id', node, '--csv', join(workdir, node)],
          ...['--power', 'hwmon', '--sysfs-root', sysfs, '--power-period-ms', '100', '--idle-s', '0'],
          ...['--interval-ms', '100', '--events', 'task-clock,page-faults,context-switches'],
          '--',
          'sleep',
          String(SECONDS),
        ],
        { timeoutMs: (SECONDS + 60) * 1000 },
      ),
    );
    const samples: Array<{ backlog: number; usedBytes: number }> = [];
    let done = false;
    const finished = Promise.all(agents).finally(() => (done = true));
    while (!done) {
      const backlog = (await Promise.all(nodes.map((node) => redis.xlen(`powerprof:{${node}}:records`)))).reduce((a, b) => a + b, 0);
      const usedBytes = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
      samples.push({ backlog, usedBytes });
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
    for (const agent of await finished) assert.equal(agent.code, 0, agent.stderr);
    for (let waited = 0; (await Promise.all(nodes.map((node) => redis.xlen(`powerprof:{${node}}:records`)))).some((n) => n > 0); waited += 200) {
      assert.ok(waited < 20_000, `the sink drains what is left:\n${sink.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    let produced = 0;
    for (const node of nodes) {
      produced += csvObjects(readFileSync(join(workdir, node, 'power.csv'), 'utf8')).length;
      produced += new Set(csvObjects(readFileSync(join(workdir, node, 'counters.csv'), 'utf8')).map((row) => `${row.run_id}|${row.time_s}`)).size + 1; // + the run
    }
    const maxBacklog = Math.max(...samples.map((s) => s.backlog));
    const third = Math.floor(samples.length / 3);
    const early = samples.slice(0, third);
    const late = samples.slice(-third);
    const mib = (bytes: number): string => (bytes / 1024 / 1024).toFixed(2);
    const maxOf = (list: typeof samples, key: 'backlog' | 'usedBytes'): number => Math.max(...list.map((s) => s[key]));
    t.diagnostic(
      `${produced} records produced in ${SECONDS} s by ${AGENTS} agents; Redis held at most ${maxBacklog} of them at once ` +
        `(first third ${maxOf(early, 'backlog')}, last third ${maxOf(late, 'backlog')}); used_memory at most ${mib(maxOf(early, 'usedBytes'))} MiB early, ${mib(maxOf(late, 'usedBytes'))} MiB late`,
    );
    assert.ok(produced > AGENTS * SECONDS * 15, `the agents produced about 20 records a second each: ${produced}`);
    assert.ok(maxBacklog < produced / 5, `Redis never held more than a fifth of the minute: at most ${maxBacklog} of ${produced}`);
    assert.ok(maxOf(late, 'backlog') <= 2 * maxOf(early, 'backlog') + 100, 'the backlog does not grow over the minute');
    assert.ok(maxOf(late, 'usedBytes') <= maxOf(early, 'usedBytes') + 1024 * 1024, 'nor does Redis memory, beyond a MiB');

    const rows = await queryHistory(historyDir, 'power', "SELECT count(*) AS n, count(DISTINCT node || '/' || stream_id) AS distinct_entries FROM HISTORY");
    const intervals = await queryHistory(historyDir, 'counters', "SELECT count(DISTINCT node || '/' || stream_id) AS n FROM HISTORY");
    const runs = await queryHistory(historyDir, 'runs', 'SELECT count(*) AS n FROM HISTORY');
    const inHistory = Number(rows[0]!.n) + Number(intervals[0]!.n) + Number(runs[0]!.n);
    assert.equal(Number(rows[0]!.n), Number(rows[0]!.distinct_entries), 'no power sample twice');
    assert.equal(inHistory, produced, 'every record in the history, once');
    assert.equal(await sink.stop('SIGTERM'), 0, sink.output());
  } finally {
    await sink.stop('SIGKILL');
    await collector.stop('SIGKILL');
    redis.disconnect();
    await redisServer.stop();
    rmSync(workdir, { recursive: true, force: true });
    rmSync(sysfs, { recursive: true, force: true });
  }
});
