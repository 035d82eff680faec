import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../support/free-port.js';
import { startTestCollector } from '../support/in-process-collector.js';
import { agentMain, runNode } from '../support/node-processes.js';
import { useRedisServer } from '../support/redis-server.js';

/** What a person hears from the agent when something is off: a sentence that says what to do, and a fitting exit code. */
describe('powerprof-agent: messages that say what to do', () => {
  const redis = useRedisServer();

  it('a spool path under a file: exit 2, naming the file in the way', async () => {
    const root = mkdtempSync(join(tmpdir(), 'powerprof-spool-file-'));
    writeFileSync(join(root, 'afile'), '');
    const agent = await runNode(agentMain, [
      'run',
      '--spool',
      join(root, 'afile', 'spool'),
      '--collector',
      `127.0.0.1:${await freePort()}`,
      '--power',
      'none',
      '--no-perf',
      '--',
      'true',
    ]);
    assert.equal(agent.code, 2);
    assert.match(
      agent.stderr,
      new RegExp(
        `cannot make the spool .*: ${join(root, 'afile').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is a file, not a directory; give --spool a directory`,
      ),
    );
  });

  it('flush where nothing was spooled: exit 0, says where it looked, makes no directory', async () => {
    const spool = join(mkdtempSync(join(tmpdir(), 'powerprof-flush-')), 'never');
    const agent = await runNode(agentMain, ['flush', '--spool', spool, '--node-id', 'typo-node', '--collector', `127.0.0.1:${await freePort()}`]);
    assert.equal(agent.code, 0, agent.stderr);
    assert.match(agent.stderr, /no spool for node \\"typo-node\\" here: nothing to send .*check --node-id and --spool/);
    assert.equal(existsSync(spool), false);
  });

  it('flush of a spool with nothing left: exit 0 at once, without trying the collector', async () => {
    const spool = mkdtempSync(join(tmpdir(), 'powerprof-flush-'));
    const collector = await startTestCollector(redis.server.url);
    try {
      const run = await runNode(agentMain, [
        'run',
        '--spool',
        spool,
        '--node-id',
        'empty-node',
        '--collector',
        `127.0.0.1:${collector.grpcPort}`,
        '--power',
        'none',
        '--no-perf',
        '--',
        'true',
      ]);
      assert.equal(run.code, 0, run.stderr);
    } finally {
      await collector.shutdown();
    }
    const started = Date.now();
    const flush = await runNode(agentMain, [
      'flush',
      '--spool',
      spool,
      '--node-id',
      'empty-node',
      '--collector',
      `127.0.0.1:${await freePort()}`,
      '--flush-timeout',
      '30',
    ]);
    assert.equal(flush.code, 0, flush.stderr);
    assert.match(flush.stderr, /the spool holds nothing to send: everything in it was delivered before/);
    assert.doesNotMatch(flush.stderr, /cannot reach the collector/);
    assert.ok(Date.now() - started < 10_000, 'did not wait for the flush timeout');
  });
});
