import assert from 'node:assert/strict';
import { appendFileSync, readdirSync, rmSync } from 'node:fs';
import { Redis } from 'ioredis';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { encodeEntry } from '../../../agent/spool/spool-entry.js';
import { loadRecordCodec } from '../../../proto/record-codec.js';
import { describeTally, FaultRig, sleep, type Tally } from '../../support/fault-rig.js';

/**
 * The fault suite: real processes killed and restarted under a running
 * experiment. Each case prints produced / in Redis / duplicates / lost,
 * the agents' --csv copies being what was produced.
 */
describe('faults: nothing lost, nothing twice', { concurrency: false }, () => {
  async function withRig(t: TestContext, name: string, body: (rig: FaultRig) => Promise<void>): Promise<Tally> {
    const rig = await FaultRig.create();
    try {
      await body(rig);
      const tally = await rig.tally();
      t.diagnostic(describeTally(name, tally));
      return tally;
    } finally {
      await rig.close();
    }
  }

  function assertExactlyOnce(tally: Tally): void {
    assert.ok(tally.produced > 50, `a real amount of data: ${tally.produced} records`);
    assert.equal(tally.lost, 0, `lost: ${tally.lostExamples.join(', ')}`);
    assert.equal(tally.duplicates, 0);
    assert.equal(tally.inRedis, tally.produced);
    assert.equal(tally.counts.written, tally.entries, 'the written count matches the stream');
    assert.equal(tally.counts.produced, tally.counts.written + tally.counts.dropped, 'produced = written + dropped');
  }

  it('1. collector SIGKILLed mid-experiment, restarted 2 s later', async (t) => {
    const tally = await withRig(t, 'fault 1 (collector SIGKILLed, back 2 s later)', async (rig) => {
      await rig.startCollector();
      const agent = rig.startAgent(['--repeat', '4'], ['sleep', '1']);
      await agent.waitFor(/run 1\/4/);
      await rig.stopCollector('SIGKILL');
      await sleep(2_000);
      await rig.startCollector();
      assert.equal(await agent.exited(), 0, agent.output());
      assert.match(agent.output(), /lost the collector stream; will retry/);
    });
    assertExactlyOnce(tally);
    assert.equal(tally.runs.length, 4);
  });

  it('2. Redis SIGKILLed mid-experiment (AOF on) and restarted', async (t) => {
    const tally = await withRig(t, 'fault 2 (Redis SIGKILLed, restarted)', async (rig) => {
      await rig.startCollector();
      const agent = rig.startAgent(['--repeat', '4'], ['sleep', '1']);
      await agent.waitFor(/run 1\/4/);
      await rig.redis.kill();
      await sleep(1_500);
      await rig.redis.start();
      assert.equal(await agent.exited(), 0, agent.output());
      assert.match(agent.output(), /storage unavailable, retry later/);
    });
    assertExactlyOnce(tally);
    assert.equal(tally.runs.length, 4);
  });

  it('3. agent SIGKILLed mid-run, started again on the same spool', async (t) => {
    let interrupted = '';
    const tally = await withRig(t, 'fault 3 (agent SIGKILLed mid-run, restarted)', async (rig) => {
      await rig.startCollector();
      const first = rig.startAgent(['--repeat', '3'], ['sleep', '1.5']);
      await first.waitFor(/run 1\/3/);
      await sleep(700); // well into run 2
      await first.stop('SIGKILL');
      const second = rig.startAgent(['--repeat', '1'], ['sleep', '0.5']);
      assert.equal(await second.exited(), 0, second.output());
      interrupted = (await second.waitFor(/recording it as interrupted/)).match(/"runId":"([^"]+)"/)![1]!;
    });
    assertExactlyOnce(tally);
    assert.deepEqual(
      tally.runs.map((run) => run.status),
      ['RUN_STATUS_OK', 'RUN_STATUS_INTERRUPTED', 'RUN_STATUS_OK'],
      'run 1, the run the kill cut short, and the second agent run',
    );
    assert.equal(tally.runs[1]!.run_id, interrupted);
  });

  it('4. a torn spool tail (the last segment cut mid-record)', async (t) => {
    let flushOutput = '';
    const tally = await withRig(t, 'fault 4 (torn spool tail)', async (rig) => {
      // No collector: everything stays in the spool.
      const agent = rig.startAgent(['--repeat', '2', '--flush-timeout', '0'], ['sleep', '1']);
      assert.equal(await agent.exited(), 1, agent.output());
      const directory = join(rig.spool, rig.node);
      const last = readdirSync(directory)
        .filter((name) => name.endsWith('.wal'))
        .sort()
        .at(-1)!;
      // A write the crash cut short: the first half of one more record.
      const entry = encodeEntry(
        Date.now() * 1000 * 2,
        'sample',
        loadRecordCodec().encode({ power_sample: { source: 'hwmon', sensor: 'System', time_unix_ms: Date.now(), watts: 1 } }),
      );
      appendFileSync(join(directory, last), entry.subarray(0, Math.floor(entry.length / 2)));
      await rig.startCollector();
      const flush = rig.flushAgent();
      assert.equal(await flush.exited(), 0, flush.output());
      flushOutput = flush.output();
    });
    assertExactlyOnce(tally);
    assert.match(flushOutput, /torn tail \(a crash during a write\); cut it off/);
  });

  it('5. the collector unreachable for longer than the retry backoff cap: data waits in the spool, then drains', async (t) => {
    const tally = await withRig(t, 'fault 5 (collector away past the backoff cap)', async (rig) => {
      const agent = rig.startAgent(['--repeat', '3'], ['sleep', '1']); // --retry-max-s 1
      await agent.waitFor(/run 2\/3/);
      await sleep(1_500);
      await rig.startCollector();
      assert.equal(await agent.exited(), 0, agent.output());
    });
    assertExactlyOnce(tally);
  });

  it('6. spool full: the drop policy holds, and lost == counted drops', async (t) => {
    const tally = await withRig(t, 'fault 6 (spool full)', async (rig) => {
      const agent = rig.startAgent(['--repeat', '3', '--flush-timeout', '0', '--spool-max-bytes', '64KiB', '--interval-ms', '10'], ['sleep', '1.5']);
      assert.equal(await agent.exited(), 1, agent.output());
      assert.match(agent.output(), /spool full/);
      await rig.startCollector();
      const flush = rig.flushAgent();
      assert.equal(await flush.exited(), 0, flush.output());
    });
    t.diagnostic(`fault 6: counted drops ${tally.counts.dropped}`);
    assert.ok(tally.counts.dropped > 0, 'the spool was full');
    assert.equal(tally.lost, tally.counts.dropped, 'lost == counted drops');
    assert.equal(tally.duplicates, 0);
    assert.equal(tally.runs.length, 3, 'run records are kept');
    assert.equal(tally.counts.produced, tally.counts.written + tally.counts.dropped);
  });

  it('7. the history sink SIGKILLed again and again (mid-file, mid-ack): every record in Parquet exactly once', async (t) => {
    const rig = await FaultRig.create();
    const historyDir = join(rig.spool, '..', 'history');
    try {
      await rig.startCollector();
      const agent = rig.startAgent(['--repeat', '3'], ['sleep', '1']);
      let agentDone = false;
      void agent.exited().then(() => (agentDone = true));
      const client = new Redis(rig.redis.url);
      const stream = `powerprof:{${rig.node}}:records`;
      let kills = 0;
      let inFlight = 0;
      let tornFiles = 0;
      let redone = 0;
      try {
        // Kill a sink at a random moment of its work, and start another, until the agent is done and a while after.
        for (let after = 0; !agentDone || after < 8; after += agentDone ? 1 : 0) {
          const sink = rig.startSink(historyDir);
          await sink.waitFor(/history sink started/);
          if (kills % 2 === 0) {
            await sleep(Math.random() * 150);
          } else {
            // Every other sink dies as soon as it has a batch delivered: between reading it and acknowledging it.
            const giveUp = Date.now() + 3_000;
            while (Date.now() < giveUp && ((await client.xpending(stream, 'powerprof-sink').catch(() => [0])) as [number])[0] === 0);
          }
          await sink.stop('SIGKILL');
          redone += (sink.output().match(/writing again a batch/g) ?? []).length;
          kills++;
          const pending = (await client.xpending(stream, 'powerprof-sink').catch(() => [0])) as [number];
          if (pending[0] > 0) inFlight++;
          tornFiles += listTemporaries(historyDir);
        }
        assert.equal(await agent.exited(), 0, agent.output());
        // The last sink finishes what the killed ones left, and stops cleanly.
        const last = rig.startSink(historyDir);
        await last.waitFor(/history sink started/);
        for (let waited = 0; (await client.xlen(stream)) > 0; waited += 100) {
          assert.ok(waited < 30_000, `the last sink drains the stream:\n${last.output()}`);
          await sleep(100);
        }
        assert.equal(await last.stop('SIGTERM'), 0, `${last.child.signalCode ?? ''} ${last.output()}`);
        t.diagnostic(
          `fault 7: ${kills} sinks killed, ${inFlight} with a batch in flight, ${tornFiles} half-written files left; batches written again: ${redone + (last.output().match(/writing again a batch/g) ?? []).length}`,
        );
        assert.ok(inFlight > 0, 'at least one kill found a batch read but not acknowledged');
      } finally {
        client.disconnect();
      }
      const tally = await rig.historyTally(historyDir);
      t.diagnostic(`${describeTally('fault 7 (sink SIGKILLed)', tally)} / in Parquet ${tally.inHistory} / still in Redis ${tally.inStream}`);
      assert.ok(tally.produced > 50, `a real amount of data: ${tally.produced} records`);
      assert.equal(tally.lost, 0, `lost: ${tally.lostExamples.join(', ')}`);
      assert.equal(tally.duplicates, 0);
      assert.equal(tally.inStream, 0, 'the stream is drained');
      assert.equal(tally.runs.length, 3);
    } finally {
      await rig.close();
      rmSync(historyDir, { recursive: true, force: true });
    }
  });
});

/** Hidden temporary files under the history: what a sink killed mid-file left. */
function listTemporaries(dir: string): number {
  try {
    return readdirSync(dir, { recursive: true }).filter((name) => String(name).endsWith('.tmp')).length;
  } catch {
    return 0;
  }
}
