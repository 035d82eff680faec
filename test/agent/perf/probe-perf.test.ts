import assert from 'node:assert/strict';
import { it } from 'node:test';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { probePerf } from '../../../agent/perf/probe-perf.js';
import { repositoryRoot } from '../../../proto/repository-root.js';

it('finds the installed perf', async () => {
  const probe = await probePerf('perf');
  assert.ok(probe.ok, probe.ok ? '' : probe.reason);
  assert.match(probe.version, /^\d+\.\d+/);
});

it('says perf is missing and how to install it', async () => {
  const probe = await probePerf('/nonexistent/perf');
  assert.equal(probe.ok, false);
  assert.ok(!probe.ok);
  assert.equal(probe.reason, 'perf is not installed ("/nonexistent/perf" not found)');
  assert.match(probe.fix, /apt-get install linux-perf/);
  assert.match(probe.fix, /--no-perf/);
});

it("says perf is not permitted, and how to allow it, from perf's real refusal", async () => {
  const replay = join(repositoryRoot, 'test/support/bin/replay-perf');
  process.env.REPLAY_STDERR = join(repositoryRoot, 'test/fixtures/perf-errors/perf-stat-not-permitted__debian12-perf6.1.187__1/stderr.txt');
  process.env.REPLAY_STATUS = '255';
  const probe = await probePerf(replay);
  assert.ok(!probe.ok);
  assert.match(probe.reason, /^perf is not permitted to count \(kernel\.perf_event_paranoid is -?\d+\)$/);
  assert.match(probe.fix, /sysctl -w kernel\.perf_event_paranoid=2/);
  assert.match(probe.fix, /CAP_PERFMON/);
});

it("at Debian's level 3, says CAP_PERFMON is not enough and what to set", async () => {
  const replay = join(repositoryRoot, 'test/support/bin/replay-perf');
  process.env.REPLAY_STDERR = join(repositoryRoot, 'test/fixtures/perf-errors/perf-stat-not-permitted__debian12-perf6.1.187__1/stderr.txt');
  process.env.REPLAY_STATUS = '255';
  const paranoidFile = join(mkdtempSync(join(tmpdir(), 'powerprof-paranoid-')), 'perf_event_paranoid');
  writeFileSync(paranoidFile, '3\n');
  const probe = await probePerf(replay, paranoidFile);
  assert.ok(!probe.ok);
  assert.equal(probe.reason, 'perf is not permitted to count (kernel.perf_event_paranoid is 3)');
  assert.match(probe.fix, /CAP_PERFMON included: set it to 2/);
  assert.match(probe.fix, /deploy\/install\.sh agent installs one/);
  assert.doesNotMatch(probe.fix, /or with CAP_PERFMON/);
});
