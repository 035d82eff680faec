import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { runExperiment, type ExperimentPlan } from '../../../agent/experiment/run-experiment.js';
import type { Record as RecordInput } from '../../../proto/generated/powerprof/v1/Record.js';
import { sampleNodeInfo } from '../../proto/sample-records.js';
import { testLogger } from '../../support/silent-logger.js';

function plan(command: string[], repeat: ExperimentPlan['repeat'], overrides: Partial<ExperimentPlan> = {}): ExperimentPlan {
  return {
    workload: 'w',
    command,
    repeat,
    eventGroups: [['task-clock']],
    perfPath: undefined,
    perfAttach: false,
    intervalMs: 0,
    timeoutMs: 0,
    killGraceMs: 1_000,
    itemsKey: 'items',
    sysfsRoot: '/sys',
    ...overrides,
  };
}

async function experiment(p: ExperimentPlan): Promise<{ emitted: RecordInput[]; terminal: string }> {
  const emitted: RecordInput[] = [];
  const terminal = new PassThrough();
  let text = '';
  terminal.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await runExperiment(
    p,
    sampleNodeInfo('test-node', { arch: 'x86_64' }),
    { emit: (records) => emitted.push(...records), terminal, logger: testLogger },
    new AbortController().signal,
  );
  return { emitted, terminal: text };
}

describe('runExperiment', () => {
  it('--until-rsd stops early on a steady workload', async () => {
    const { emitted, terminal } = await experiment(plan(['sleep', '0.2'], { warmup: 0, repeat: 1, untilRsdPercent: 10, maxRepeat: 8 }));
    assert.equal(emitted.filter((r) => r.run).length, 3, terminal);
    assert.match(terminal, /run 3 \(until RSD < 10 %, at most 8\)/);
  });

  it('--until-rsd runs to --max-repeat on a noisy workload', async () => {
    const counter = join(mkdtempSync(join(tmpdir(), 'powerprof-noisy-')), 'n');
    const noisy = `n=$(cat ${counter} 2>/dev/null || echo 0); echo $((n+1)) > ${counter}; if [ $((n % 2)) -eq 0 ]; then sleep 0.05; else sleep 0.4; fi`;
    const { emitted } = await experiment(plan(['sh', '-c', noisy], { warmup: 0, repeat: 1, untilRsdPercent: 5, maxRepeat: 5 }));
    assert.equal(emitted.filter((r) => r.run).length, 5);
  });

  it('warm-up runs are recorded, flagged and left out of the statistics', async () => {
    const { emitted, terminal } = await experiment(plan(['true'], { warmup: 2, repeat: 2, maxRepeat: 100 }));
    const runs = emitted.flatMap((r) => (r.run ? [r.run] : []));
    assert.deepEqual(
      runs.map((r) => [r.warmup, r.repetition]),
      [
        [true, 1],
        [true, 2],
        [false, 1],
        [false, 2],
      ],
    );
    assert.match(terminal, /mean ± sd\s+2 ok/);
  });

  it('--pause-s rests between runs, not before the first or after the last', async () => {
    const started = Date.now();
    const { emitted } = await experiment(plan(['true'], { warmup: 0, repeat: 3, maxRepeat: 100 }, { pauseMs: 400 }));
    const runs = emitted.flatMap((r) => (r.run ? [r.run] : []));
    assert.equal(runs.length, 3);
    for (let i = 1; i < runs.length; i++) {
      const rest = Number(runs[i]!.started_time_unix_ms) - Number(runs[i - 1]!.ended_time_unix_ms);
      assert.ok(rest >= 390, `a rest of at least 400 ms between runs ${i} and ${i + 1}: ${rest} ms`);
    }
    assert.ok(Number(runs[0]!.started_time_unix_ms) - started < 400, 'no rest before the first run');
  });

  it('--no-multiplex groups rotate across measured runs', async () => {
    const { emitted } = await experiment(
      plan(
        ['true'],
        { warmup: 0, repeat: 3, maxRepeat: 100 },
        {
          perfPath: 'perf',
          eventGroups: [
            ['task-clock', 'page-faults'],
            ['context-switches', 'page-faults'],
          ],
        },
      ),
    );
    const runs = emitted.flatMap((r) => (r.run ? [r.run] : []));
    assert.deepEqual(
      runs.map((r) => [r.event_group, (r.counters ?? []).map((c) => c.event)]),
      [
        [1, ['task-clock', 'page-faults']],
        [2, ['context-switches', 'page-faults']],
        [1, ['task-clock', 'page-faults']],
      ],
    );
  });

  it('each run carries the node fingerprint of its moment', async () => {
    const { emitted } = await experiment(plan(['true'], { warmup: 0, repeat: 1, maxRepeat: 100 }));
    const run = emitted.find((r) => r.run)!.run!;
    assert.equal(run.fingerprint?.arch, 'x86_64');
    assert.ok((run.fingerprint?.online_cpus ?? 0) >= 1);
  });
});
