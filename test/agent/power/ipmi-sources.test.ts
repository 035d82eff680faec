import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { IpmiConnection } from '../../../agent/power/ipmi/ipmitool.js';
import { ipmitoolRunner } from '../../../agent/power/ipmi/ipmitool-runner.js';
import { PowerSampler } from '../../../agent/power/power-sampler.js';
import { ipmiDcmiSource } from '../../../agent/power/sources/ipmi-dcmi/ipmi-dcmi-source.js';
import { ipmiSdrSource } from '../../../agent/power/sources/ipmi-sdr/ipmi-sdr-source.js';
import type { PowerSample, PowerSourceStatus } from '../../../proto/records.js';
import { repositoryRoot } from '../../../proto/repository-root.js';
import { captureFolder } from '../../support/capture-cases.js';
import { testLogger } from '../../support/silent-logger.js';

const replay = join(repositoryRoot, 'test/support/bin/replay-ipmitool');
const capture = (source: string, name: string): string => join(captureFolder(source), name, 'stdout.txt');

/** A replay directory: what the stand-in ipmitool prints next, and its exit status. */
function replayDir(stdoutFile: string, status = 0): string {
  const dir = mkdtempSync(join(tmpdir(), 'powerprof-ipmitool-'));
  copyFileSync(stdoutFile, join(dir, 'stdout'));
  writeFileSync(join(dir, 'status'), `${status}\n`);
  process.env.REPLAY_DIR = dir;
  return dir;
}

const local: IpmiConnection = { ipmitoolPath: replay, extraArgs: [], timeoutMs: 500 };

describe('ipmi-dcmi source (ipmitool replaying captured BMC answers)', () => {
  it("reads the POWER9 BMC's reading, and flags a reading whose BMC timestamp did not move as stale", async () => {
    replayDir(capture('ipmi-dcmi', 'ipmitool-dcmi__power9-bare-metal-blog__1'));
    const source = ipmiDcmiSource(ipmitoolRunner(local, 'process'));
    assert.deepEqual(await source.probe(AbortSignal.timeout(2000)), { ok: true, sensors: ['system'] });
    const [soon] = await source.sample(AbortSignal.timeout(2000));
    assert.equal(soon!.stale, false, 'the same second: the stamp has one-second resolution');
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    const [later] = await source.sample(AbortSignal.timeout(2000));
    assert.deepEqual(later, {
      sensor: 'system',
      watts: 262,
      minWatts: 248,
      maxWatts: 263,
      avgWatts: 257,
      samplingPeriodMs: 5000,
      state: 'activated',
      stale: true,
    });
  });

  it('an error printed with exit status 0 is a source error quoting the BMC, never 0 W', async () => {
    replayDir(capture('ipmi-dcmi', 'ipmitool-dcmi__gigabyte-g431-gotest-error-cc__1'), 0);
    const probe = await ipmiDcmiSource(ipmitoolRunner(local, 'process')).probe(AbortSignal.timeout(2000));
    assert.deepEqual(probe, {
      ok: false,
      reason: '"ipmitool dcmi power reading" failed (exit 0): DCMI request failed because: Invalid data field in request (cc)',
    });
  });

  it('no local BMC device: the error and the fix', async () => {
    replayDir(capture('ipmi-dcmi', 'ipmitool-error__ha-ipmi-27-open-nodevice__1'), 1);
    const probe = await ipmiDcmiSource(ipmitoolRunner(local, 'process')).probe(AbortSignal.timeout(2000));
    assert.ok(!probe.ok);
    assert.match(
      probe.reason,
      /exit 1\): Could not open device at \/dev\/ipmi0.*; load the local BMC driver \("modprobe ipmi_devintf ipmi_si"\) or give --ipmi-host/,
    );
  });

  it('a deactivated reading is not a valid power: the source says so', async () => {
    replayDir(capture('ipmi-dcmi', 'ipmitool-dcmi__openbmc-3257-witherspoon__1'));
    const probe = await ipmiDcmiSource(ipmitoolRunner(local, 'process')).probe(AbortSignal.timeout(2000));
    assert.ok(!probe.ok);
    assert.match(probe.reason, /power reading is deactivated \(no valid power\)/);
  });

  it('the password reaches ipmitool through its environment, never its argv', async () => {
    const dir = replayDir(capture('ipmi-dcmi', 'ipmitool-dcmi__power9-bare-metal-blog__1'));
    await ipmiDcmiSource(ipmitoolRunner({ ...local, host: '10.0.0.9', user: 'admin', password: 's3cret', cipherSuite: 3 }, 'process')).probe(
      AbortSignal.timeout(2000),
    );
    const argv = readFileSync(join(dir, 'argv'), 'utf8');
    assert.equal(argv.trim(), '-I lanplus -H 10.0.0.9 -U admin -E -C 3 -N 1 -R 2 dcmi power reading');
    assert.ok(!argv.includes('s3cret'));
    assert.equal(readFileSync(join(dir, 'password-env'), 'utf8').trim(), 's3cret');
  });

  it('a hung ipmitool is killed at the timeout, the source goes down, and comes back when the BMC answers', async () => {
    const dir = replayDir(capture('ipmi-dcmi', 'ipmitool-dcmi__power9-bare-metal-blog__1'));
    const statuses: PowerSourceStatus[] = [];
    const samples: PowerSample[] = [];
    const sampler = new PowerSampler(
      [ipmiDcmiSource(ipmitoolRunner(local, 'process'))],
      { periodMs: 100, timeoutMs: 500, maxBackoffMs: 200, maxReadingsPerSource: 1000 },
      { onSamples: (s) => samples.push(...s), onStatus: (s) => statuses.push(s), logger: testLogger },
    );
    try {
      assert.deepEqual(await sampler.start(), ['ipmi-dcmi']);
      writeFileSync(join(dir, 'sleep'), '30\n');
      const hungAt = Date.now();
      while (!statuses.some((s) => !s.up) && Date.now() - hungAt < 5_000) await new Promise((r) => setTimeout(r, 50));
      const down = statuses.find((s) => !s.up);
      assert.ok(down !== undefined, 'the hung read was noticed');
      assert.match(down.error, /did not answer within 0\.5 s and was killed|timed out after 0\.5 s/);
      assert.ok(Date.now() - hungAt < 3_000, 'killed at the timeout, not after the 30 s hang');
      rmSync(join(dir, 'sleep'));
      const healedAt = Date.now();
      while (statuses.at(-1)?.up !== true && Date.now() - healedAt < 5_000) await new Promise((r) => setTimeout(r, 50));
      assert.equal(statuses.at(-1)?.up, true, 'the source came back');
      const before = samples.length;
      while (samples.length === before && Date.now() - healedAt < 5_000) await new Promise((r) => setTimeout(r, 50));
      assert.ok(samples.length >= 2 && samples.every((s) => s.watts === 262 && s.source === 'ipmi-dcmi' && s.sensor === 'system'));
      assert.ok(
        samples.every((s) => s.read_started_unix_ms <= s.time_unix_ms && s.time_unix_ms <= s.read_ended_unix_ms),
        'stamped at the midpoint of the read',
      );
    } finally {
      await sampler.stop();
    }
  });
});

describe('ipmi-sdr source', () => {
  it('reads Watts sensors; with --sdr-sensors only those, and their sum is the node', async () => {
    replayDir(capture('ipmi-sdr', 'ipmitool-sdr-elist__candy-top-hp-ilo4-dl360g9__1'));
    const all = ipmiSdrSource(ipmitoolRunner(local, 'process'), []);
    assert.deepEqual(await all.probe(AbortSignal.timeout(2000)), { ok: true, sensors: ['Power Supply 1', 'PS 1 Output', 'Power Meter', 'PwrMeter Output'] });
    assert.deepEqual(all.totalSensors(['Power Supply 1', 'PS 1 Output', 'Power Meter', 'PwrMeter Output']), ['Power Meter']);
    const chosen = ipmiSdrSource(ipmitoolRunner(local, 'process'), ['Power Supply 1', 'Power Supply 2']);
    assert.deepEqual(await chosen.sample(AbortSignal.timeout(2000)), [{ sensor: 'Power Supply 1', watts: 225 }]);
    const missing = await ipmiSdrSource(ipmitoolRunner(local, 'process'), ['Total_Power']).probe(AbortSignal.timeout(2000));
    assert.ok(!missing.ok);
    assert.match(
      missing.reason,
      /none of --sdr-sensors \(Total_Power\) reports Watts; the BMC lists: Power Supply 1, PS 1 Output, Power Meter, PwrMeter Output/,
    );
  });
});

describe('ipmitool shell session', () => {
  it('a session that goes silent is restarted and the reading taken in a new one', async () => {
    const dir = replayDir(capture('ipmi-dcmi', 'ipmitool-dcmi__power9-bare-metal-blog__1'));
    const source = ipmiDcmiSource(ipmitoolRunner({ ...local, ipmitoolPath: join(repositoryRoot, 'test/support/bin/replay-ipmitool-shell') }, 'shell'));
    try {
      assert.equal((await source.sample(AbortSignal.timeout(2000)))[0]!.watts, 262);
      assert.equal((await source.sample(AbortSignal.timeout(2000)))[0]!.watts, 262);
      assert.equal(readFileSync(join(dir, 'starts'), 'utf8').trim().split('\n').length, 1, 'one session for both readings');
      writeFileSync(join(dir, 'silent'), '1\n');
      assert.equal((await source.sample(AbortSignal.timeout(2000)))[0]!.watts, 262, 'read again in a new session');
      assert.equal(readFileSync(join(dir, 'starts'), 'utf8').trim().split('\n').length, 2);
    } finally {
      await source.close();
    }
  });

  it("keeps a command's error on stderr with that command, however the pipes are scheduled", async () => {
    // ipmitool writes the error to stderr, then the marker's echo to stdout; on two pipes the
    // stand-in delivers the error after the echo, the order CI once saw.
    const dir = replayDir(capture('ipmi-dcmi', 'ipmitool-dcmi__power9-bare-metal-blog__1'));
    writeFileSync(join(dir, 'stdout'), '');
    writeFileSync(join(dir, 'stderr'), '\n    DCMI request failed because: Requested sensor, data, or record not found (cb)\n');
    const runner = ipmitoolRunner({ ...local, ipmitoolPath: join(repositoryRoot, 'test/support/bin/replay-ipmitool-shell') }, 'shell');
    try {
      for (let reading = 0; reading < 20; reading++) {
        const { output, code } = await runner.run(['dcmi', 'power', 'reading'], AbortSignal.timeout(2000));
        assert.equal(code, null);
        assert.match(output, /^\s*DCMI request failed because: Requested sensor, data, or record not found \(cb\)\s*$/, `reading ${reading}`);
      }
      assert.equal(readFileSync(join(dir, 'starts'), 'utf8').trim().split('\n').length, 1, 'one session for every reading');
    } finally {
      await runner.close();
    }
  });

  it('says how to install ipmitool when it is not there', async () => {
    const runner = ipmitoolRunner({ ...local, ipmitoolPath: '/nonexistent/ipmitool' }, 'shell');
    try {
      await assert.rejects(runner.run(['dcmi', 'power', 'reading'], AbortSignal.timeout(2000)), /ipmitool not found \("\/nonexistent\/ipmitool"\): install it/);
    } finally {
      await runner.close();
    }
  });
});
