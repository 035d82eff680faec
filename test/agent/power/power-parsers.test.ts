import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsers } from '../../../agent/commands/parse-command.js';
import { parseDcmiPowerReading } from '../../../agent/power/sources/ipmi-dcmi/parse-dcmi-power-reading.js';
import { parseNvidiaSmi } from '../../../agent/power/sources/nvidia/parse-nvidia-smi.js';
import { parseSdrWatts } from '../../../agent/power/sources/ipmi-sdr/parse-sdr-watts.js';
import { captureCases } from '../../support/capture-cases.js';

// Each power source's captures, read by the parser `powerprof-agent parse KIND` uses.
for (const [kind, source] of [
  ['ipmi-dcmi', 'ipmi-dcmi'],
  ['ipmi-sdr', 'ipmi-sdr'],
  ['nvidia-smi', 'nvidia'],
] as const) {
  describe(`${kind} over captured outputs`, () => {
    for (const capture of captureCases(source)) {
      it(capture.name, () => {
        assert.match(capture.source, /source:/);
        const parsed = parsers[kind]!(capture.stdout);
        assert.deepEqual(parsed.ok ? parsed.lines : { error: parsed.error }, capture.expected);
      });
    }
  });
}

// What PROVENANCE.md says each capture's trap is, checked apart from expected.json.
describe('power parsers: the traps', () => {
  const text = (kind: string, name: string): string => captureCases(kind === 'nvidia-smi' ? 'nvidia' : kind).find((c) => c.name === name)!.stdout;

  it('DCMI 1.8.19: the timestamp and the sampling period share a line', () => {
    const parsed = parseDcmiPowerReading(text('ipmi-dcmi', 'ipmitool-dcmi__home-assistant-addons-38-v1819-joinedline__1'));
    assert.ok(parsed.ok);
    assert.equal(parsed.reading.bmc_timestamp, '07/26/26 16:57:12 CDT');
    assert.equal(parsed.reading.sampling_period_ms, 898_033_000);
  });

  it('DCMI: "Milliseconds" is raw ms, "Seconds." is seconds, "Unknown (0x1388)" is not 0x1388', () => {
    const ms = parseDcmiPowerReading(text('ipmi-dcmi', 'ipmitool-dcmi__ibm-p8-gpu-doc-shell-milliseconds__1'));
    const s = parseDcmiPowerReading(text('ipmi-dcmi', 'ipmitool-dcmi__power9-bare-metal-blog__1'));
    const unknown = parseDcmiPowerReading(text('ipmi-dcmi', 'ipmitool-dcmi__synth__1'));
    assert.ok(ms.ok && s.ok && unknown.ok);
    assert.deepEqual([ms.reading.sampling_period_ms, s.reading.sampling_period_ms, unknown.reading.sampling_period_ms], [10_000, 5_000, null]);
  });

  it('DCMI: a 4-digit maximum, an instantaneous value below the minimum, no indent', () => {
    const gigabyte = parseDcmiPowerReading(text('ipmi-dcmi', 'ipmitool-dcmi__gigabyte-g431-gotest-v1819__1'));
    const p8 = parseDcmiPowerReading(text('ipmi-dcmi', 'ipmitool-dcmi__ibm-p8-gpu-doc-shell-milliseconds__1'));
    const telegraf = parseDcmiPowerReading(text('ipmi-dcmi', 'ipmitool-dcmi__telegraf-1566-unindented__1'));
    assert.ok(gigabyte.ok && p8.ok && telegraf.ok);
    assert.equal(gigabyte.reading.max_watts, 1940);
    assert.deepEqual([p8.reading.watts, p8.reading.min_watts], [883, 930]);
    assert.equal(telegraf.reading.watts, 167);
  });

  it('DCMI: deactivated is a reading flagged invalid; an error printed with exit 0 is an error, never 0 W', () => {
    const witherspoon = parseDcmiPowerReading(text('ipmi-dcmi', 'ipmitool-dcmi__openbmc-3257-witherspoon__1'));
    assert.ok(witherspoon.ok);
    assert.equal(witherspoon.reading.state, 'deactivated');
    assert.deepEqual(parseDcmiPowerReading(text('ipmi-dcmi', 'ipmitool-dcmi__gigabyte-g431-gotest-error-cc__1')), {
      ok: false,
      error: 'DCMI request failed because: Invalid data field in request (cc)',
    });
    assert.deepEqual(parseDcmiPowerReading(''), { ok: false, error: 'ipmitool printed nothing' });
  });

  it('SDR: "225 Watts, Presence detected" is 225 W; "0x00" and presence-only rows are no reading', () => {
    const elist = parseSdrWatts(text('ipmi-sdr', 'ipmitool-sdr-elist__candy-top-hp-ilo4-dl360g9__1'));
    assert.ok(elist.ok);
    assert.deepEqual(
      elist.sensors.find((s) => s.sensor === 'Power Supply 1'),
      { sensor: 'Power Supply 1', watts: 225 },
    );
    assert.equal(
      elist.sensors.find((s) => s.sensor === 'Power Supply 2'),
      undefined,
    );
    assert.equal(parseSdrWatts(text('ipmi-sdr', 'ipmitool-sdr-list-full__ha-ipmi-21-hp-ilo4-nowatts__1')).ok, false);
    assert.equal(parseSdrWatts(text('ipmi-sdr', 'ipmitool-sdr-type-ps__gigabyte-g431-gotest-presence-only__1')).ok, false);
  });

  it('sensor listings: Watts rows only, not Volts or Amps', () => {
    const p8 = parseSdrWatts(text('ipmi-sdr', 'ipmitool-sensor__ibm-p8-gpu-doc-shell__1'));
    assert.ok(p8.ok);
    assert.equal(p8.sensors.length, 9);
    assert.ok(!p8.sensors.some((s) => s.sensor.startsWith('CPU VDD')));
  });

  it('nvidia-smi: units in header and values; [Not Supported] elsewhere in the row; our own noheader query', () => {
    const p100 = parseNvidiaSmi(text('nvidia-smi', 'nvidia-smi-csv__testdouble-p100-fan-not-supported__1'));
    assert.ok(p100.ok);
    assert.equal(p100.gpus.reduce((sum, gpu) => sum + gpu.watts, 0).toFixed(2), '101.39');
    assert.deepEqual(parseNvidiaSmi('0, NVIDIA A100-SXM4-40GB, 61.04\n1, NVIDIA A100-SXM4-40GB, [N/A]\n', ['index', 'name', 'power.draw']), {
      ok: true,
      gpus: [{ sensor: '0', watts: 61.04 }],
    });
    assert.deepEqual(parseNvidiaSmi('0, Tesla K80, [Not Supported]\n', ['index', 'name', 'power.draw']), {
      ok: false,
      error: 'no power reading: power.draw is [Not Supported]',
    });
  });
});
