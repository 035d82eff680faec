import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { PowerSampler } from '../../../../../agent/power/power-sampler.js';
import { nvidiaSource } from '../../../../../agent/power/sources/nvidia/nvidia-source.js';
import type { PowerSample } from '../../../../../proto/records.js';
import { repositoryRoot } from '../../../../../proto/repository-root.js';
import { testLogger } from '../../../../support/silent-logger.js';

const replay = join(repositoryRoot, 'test/support/bin/replay-nvidia-smi');

it("one long-lived nvidia-smi -lms process gives every GPU's power; [N/A] is no reading", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'powerprof-nvidia-'));
  writeFileSync(join(dir, 'stdout'), '0, Tesla T4, 31.50\n1, Tesla T4, [N/A]\n');
  process.env.REPLAY_DIR = dir;
  const samples: PowerSample[] = [];
  const sampler = new PowerSampler(
    [nvidiaSource(replay, 100)],
    { periodMs: 100, timeoutMs: 1_000, maxBackoffMs: 500, maxReadingsPerSource: 1_000 },
    { onSamples: (s) => samples.push(...s), onStatus: () => undefined, logger: testLogger },
  );
  try {
    assert.deepEqual(await sampler.start(), ['nvidia']);
    const until = Date.now() + 3_000;
    while (samples.length < 3 && Date.now() < until) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(samples.length >= 3);
    assert.ok(
      samples.every((s) => s.source === 'nvidia' && s.sensor === '0' && s.watts === 31.5),
      'GPU 1 ([N/A]) has no reading',
    );
    assert.deepEqual(sampler.totalSensors('nvidia'), [], 'GPUs are parts of a node, never the node figure');
  } finally {
    await sampler.stop();
  }
});

it('no nvidia-smi: says there is no NVIDIA driver', async () => {
  const probe = await nvidiaSource('/nonexistent/nvidia-smi', 1000).probe(AbortSignal.timeout(2_000));
  assert.deepEqual(probe, { ok: false, reason: 'nvidia-smi not found ("/nonexistent/nvidia-smi"): no NVIDIA driver on this node' });
});
