import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import pino from 'pino';
import { exportCommand } from '../../collector/commands/export-command.js';
import { RecordStore } from '../../collector/queue/record-store.js';
import { packRecords } from '../../collector/wire/record-pack.js';
import { redisKeys } from '../../collector/queue/redis-keys.js';
import { sampleCounter, sampleRun } from '../proto/sample-records.js';
import { useRedisServer } from '../support/redis-server.js';

describe('export', () => {
  const shared = useRedisServer();

  it("writes every node's runs and warns when generic events mean different things across architectures", async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const store = new RecordStore(shared.client, redisKeys(prefix), 0);
    const power9 = sampleRun('p9-run', {
      counters: [sampleCounter('cache-misses', 10, { maps_to: 'L1 data-cache load misses, counted at finish (PM_LD_MISS_L1_FIN)' })],
    });
    const x86 = sampleRun('x86-run', {
      counters: [sampleCounter('cache-misses', 20, { maps_to: 'last-level cache misses (Intel LONGEST_LAT_CACHE.MISS; model-specific on AMD)' })],
      fingerprint: { ...power9.fingerprint!, arch: 'x86_64' },
    });
    await store.append('p9', packRecords([{ seq: 0, kind: 'run', run: power9 }], 1));
    await store.append('x86', packRecords([{ seq: 0, kind: 'run', run: x86 }], 1));

    const logs = new PassThrough();
    let logText = '';
    logs.on('data', (chunk: Buffer) => (logText += chunk.toString()));
    const out = mkdtempSync(join(tmpdir(), 'powerprof-export-'));
    const summary = await exportCommand({ redis: shared.server.url, redis_cluster: false, key_prefix: prefix, out, log_level: 'info' }, pino(logs));
    assert.deepEqual(summary, { nodes: 2, runs: 2, powerSamples: 0, counterIntervals: 0 });
    const lines = readFileSync(join(out, 'runs.csv'), 'utf8').trimEnd().split('\n');
    assert.deepEqual(
      lines.slice(1).map((line) => line.split(',').slice(0, 2)),
      [
        ['p9', 'p9-run'],
        ['x86', 'x86-run'],
      ],
    );
    assert.match(logText, /runs.csv mixes architectures whose generic events count different things/);
    assert.match(logText, /ppc64le: L1 data-cache load misses/);
  });

  it('says clearly when Redis cannot be reached', async () => {
    await assert.rejects(
      exportCommand(
        { redis: 'redis://127.0.0.1:1', redis_cluster: false, key_prefix: 'x', out: mkdtempSync(join(tmpdir(), 'powerprof-export-')), log_level: 'silent' },
        pino({ level: 'silent' }),
      ),
      /^Error: cannot connect to Redis at redis:\/\/127\.0\.0\.1:1: connect ECONNREFUSED/,
    );
  });
});
