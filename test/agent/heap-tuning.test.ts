import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { promisify } from 'node:util';
import { startTestCollector } from '../support/in-process-collector.js';
import { agentMain } from '../support/node-processes.js';
import { startRedisServer } from '../support/redis-server.js';

it("V8 does not shrink the agent's heap beside a run in its first minutes (heap-tuning.ts)", async (t) => {
  const redisServer = await startRedisServer();
  t.after(() => redisServer.stop());
  const collector = await startTestCollector(redisServer.url);
  t.after(() => collector.shutdown());
  const spool = mkdtempSync(join(tmpdir(), 'powerprof-heap-'));
  t.after(() => rmSync(spool, { recursive: true, force: true }));
  // Without the tuning, V8's memory reducer runs its "(reduce)" collections about 8.5 s after start-up.
  const { stdout, stderr } = await promisify(execFile)(
    process.execPath,
    [
      '--trace-gc',
      agentMain,
      'run',
      '--collector',
      `127.0.0.1:${collector.grpcPort}`,
      '--node-id',
      'heap',
      '--spool',
      spool,
      '--power',
      'none',
      '--idle-s',
      '0',
      '--events',
      'task-clock',
      '--',
      'sleep',
      '11',
    ],
    { timeout: 60_000 },
  );
  // The bundled agent may start without one Mark-Compact; it always scavenges.
  assert.match(stdout, /Scavenge|Mark-Compact/, 'trace-gc prints the collections');
  assert.doesNotMatch(stdout, /\(reduce\)/);
  assert.doesNotMatch(stderr, /unrecognized flag/);
});
