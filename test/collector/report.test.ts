import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import pino from 'pino';
import { reportCommand } from '../../collector/commands/report-command.js';
import { RecordStore } from '../../collector/queue/record-store.js';
import { packRecords } from '../../collector/wire/record-pack.js';
import { redisKeys } from '../../collector/queue/redis-keys.js';
import { powerCsv, runsCsv } from '../../proto/csv-tables.js';
import { repositoryRoot } from '../../proto/repository-root.js';
import type { PowerSample, RunRecord } from '../../proto/records.js';
import { sampleCounter, sampleNodeInfo, sampleRun } from '../proto/sample-records.js';
import { chromium, chromiumUnavailable } from '../support/chromium.js';
import { useRedisServer } from '../support/redis-server.js';

const silent = pino({ level: 'silent' });
const start = 1_700_000_000_000;

/** Eleven runs per node, each 10 s, with power sampled every second around them. */
function experiment(node: string, arch: string, watts: number): { runs: RunRecord[]; samples: PowerSample[] } {
  const runs = Array.from({ length: 11 }, (_, i) =>
    sampleRun(`${node}-${i}`, {
      repetition: i + 1,
      started_time_unix_ms: start + i * 12_000,
      ended_time_unix_ms: start + i * 12_000 + 10_000,
      duration_ms: 10_000 + i * 50,
      counters: [
        sampleCounter('cycles', 3e10 + i * 1e8),
        sampleCounter('instructions', 4e10),
        sampleCounter('cache-references', 2e9, {
          maps_to:
            arch === 'ppc64le'
              ? 'L1 data-cache load references (PM_LD_REF_L1)'
              : 'last-level cache references (Intel LONGEST_LAT_CACHE.REFERENCE; model-specific on AMD)',
        }),
        sampleCounter('cache-misses', 1e8),
        sampleCounter('branches', 5e9),
        sampleCounter('branch-misses', 2e7),
      ],
      fingerprint: { ...sampleRun('x').fingerprint!, arch },
      energy_joules: watts * 10,
      avg_watts: watts,
      idle_watts: watts - 100,
      joules_per_item: (watts * 10) / 500,
      energy_source: 'ipmi-dcmi/system',
    }),
  );
  const samples = Array.from({ length: 140 }, (_, s) => ({
    source: 'ipmi-dcmi',
    sensor: 'system',
    time_unix_ms: start - 5_000 + s * 1_000,
    watts: watts - 100 + (s % 12 < 10 ? 100 : 0),
    state: 'activated',
    stale: false,
    read_started_unix_ms: start - 5_000 + s * 1_000,
    read_ended_unix_ms: start - 5_000 + s * 1_000,
  }));
  return { runs, samples };
}

describe('report', () => {
  const shared = useRedisServer();
  const unavailable = chromiumUnavailable();

  it(
    'one self-contained HTML file whose every chart renders a non-empty SVG in headless Chromium',
    { skip: unavailable === undefined ? false : `not rendered here: ${unavailable}` },
    async () => {
      const prefix = `test-${randomUUID().slice(0, 8)}`;
      const store = new RecordStore(shared.client, redisKeys(prefix), 0);
      for (const [node, arch, watts] of [
        ['p9-node1', 'ppc64le', 360],
        ['x86-node1', 'x86_64', 280],
      ] as const) {
        const { runs, samples } = experiment(node, arch, watts);
        await store.append(
          node,
          packRecords(
            [
              { seq: 0, kind: 'node_info', node_info: sampleNodeInfo(node, { arch }) },
              ...runs.map((run) => ({ seq: 0, kind: 'run' as const, run })),
              ...samples.map((power_sample) => ({ seq: 0, kind: 'power_sample' as const, power_sample })),
            ],
            1,
          ),
        );
      }
      const out = join(mkdtempSync(join(tmpdir(), 'powerprof-report-')), 'report.html');
      await reportCommand({ redis: shared.server.url, redis_cluster: false, key_prefix: prefix, out, log_level: 'silent' }, silent);

      const html = readFileSync(out, 'utf8');
      assert.doesNotMatch(html, /<script|<link|<img|url\(|@import/i, 'nothing is loaded when the report is opened');
      assert.match(html, /runs\.csv mixes architectures/);
      assert.match(html, /<h2>Nodes<\/h2>/);
      assert.match(html, /<h2>What the generic events counted<\/h2>/);
      assert.match(html, /<td>ppc64le<\/td><td>cache-references<\/td><td>L1 data-cache load references \(PM_LD_REF_L1\)<\/td>/);

      const rendered = chromium(['--dump-dom', `file://${out}`]);
      assert.equal(rendered.status, 0, rendered.stderr);
      const figures = [...rendered.stdout.matchAll(/<figure class="chart" data-title="([^"]+)">([\s\S]*?)<\/figure>/g)];
      const titles = figures.map((f) => f[1]);
      for (const title of [
        'Cycles',
        'Instructions',
        'Cache-references',
        'Cache-misses',
        'Branches',
        'Branch-misses',
        'Time Elapsed',
        'IPC (instructions per cycle)',
        'Energy per run',
        'Energy per item',
        'Power over time',
      ]) {
        assert.ok(titles.includes(title), `chart "${title}" is there`);
      }
      for (const [, title, body] of figures) {
        const marks = (body!.match(/<path[^>]* d="M[^"]+"/g) ?? []).length;
        assert.ok(/<svg[^>]*width="\d+"/.test(body!) && marks > 0, `chart "${title}" renders marks`);
      }

      const artifacts = join(repositoryRoot, 'test/artifacts');
      mkdirSync(artifacts, { recursive: true });
      const screenshot = join(artifacts, 'report.png');
      const shot = chromium([`--screenshot=${screenshot}`, '--window-size=1400,2400', `file://${out}`]);
      assert.equal(shot.status, 0, shot.stderr);
      assert.ok(statSync(screenshot).size > 20_000, 'a screenshot with something on it');
    },
  );

  it('from an export folder too', { skip: unavailable === undefined ? false : `not rendered here: ${unavailable}` }, async () => {
    const folder = mkdtempSync(join(tmpdir(), 'powerprof-export-'));
    const { runs, samples } = experiment('p9-node1', 'ppc64le', 360);
    writeFileSync(join(folder, 'runs.csv'), runsCsv(runs.map((run) => ({ node: 'p9-node1', run }))));
    writeFileSync(join(folder, 'power.csv'), powerCsv(samples.map((sample) => ({ node: 'p9-node1', sample }))));
    const out = join(folder, 'report.html');
    await reportCommand({ redis: 'redis://127.0.0.1:1', redis_cluster: false, key_prefix: 'x', from: folder, out, log_level: 'silent' }, silent);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /data-title="Cycles"/);
    assert.match(html, /data-title="Power over time"/);
    await assert.rejects(
      reportCommand({ redis: 'redis://127.0.0.1:1', redis_cluster: false, key_prefix: 'x', from: join(folder, 'nope'), out, log_level: 'silent' }, silent),
      /cannot read .*nope\/runs\.csv \(an export folder holds runs\.csv and power\.csv\): ENOENT/,
    );
  });
});
