import type { IpmitoolRunner } from '../../ipmi/ipmitool-runner.js';
import { parseDcmiPowerReading } from './parse-dcmi-power-reading.js';
import { SourceError, type PowerSource, type Probe, type SensorReading } from '../../power-source.js';

/**
 * The BMC's DCMI power reading (`ipmitool dcmi power reading`): the whole
 * node at the wall, what the original experiment sampled. One sensor,
 * "system". The BMC's own timestamp tells when a reading is stale.
 */
export function ipmiDcmiSource(ipmitool: IpmitoolRunner, name = 'ipmi-dcmi'): PowerSource {
  let lastBmcTimestamp: string | undefined;
  let firstSeenAtMs = 0;

  const read = async (signal: AbortSignal): Promise<SensorReading> => {
    const { output, code } = await ipmitool.run(['dcmi', 'power', 'reading'], signal);
    const parsed = parseDcmiPowerReading(output);
    if (!parsed.ok) {
      ipmitool.reset();
      throw new SourceError(`"ipmitool dcmi power reading" failed${exitText(code)}: ${parsed.error}${fixFor(parsed.error)}`);
    }
    const { reading } = parsed;
    // An unset or constant BMC clock (the epoch, "Unspecified") says nothing about freshness.
    // The stamp has one-second resolution: the same stamp for longer than that means the BMC's reading did not move.
    const meaningfulClock = reading.bmc_timestamp !== '' && !/1970|Unspecified/.test(reading.bmc_timestamp);
    if (reading.bmc_timestamp !== lastBmcTimestamp) firstSeenAtMs = Date.now();
    const stale = meaningfulClock && reading.bmc_timestamp === lastBmcTimestamp && Date.now() - firstSeenAtMs > STALE_AFTER_MS;
    lastBmcTimestamp = reading.bmc_timestamp;
    return {
      sensor: 'system',
      watts: reading.watts,
      minWatts: reading.min_watts,
      maxWatts: reading.max_watts,
      avgWatts: reading.avg_watts,
      ...(reading.sampling_period_ms === null ? {} : { samplingPeriodMs: reading.sampling_period_ms }),
      state: reading.state,
      stale,
    };
  };

  return {
    name,
    async probe(signal): Promise<Probe> {
      try {
        const reading = await read(signal);
        if (reading.state === 'deactivated')
          return {
            ok: false,
            reason: 'the BMC answers, but its power reading is deactivated (no valid power); enable power measurement in the BMC, or use ipmi-sdr',
          };
        return { ok: true, sensors: ['system'] };
      } catch (error) {
        return { ok: false, reason: (error as Error).message };
      }
    },
    sample: async (signal) => [await read(signal)],
    totalSensors: (sensors) => sensors.filter((s) => s === 'system'),
    close: () => ipmitool.close(),
  };
}

const STALE_AFTER_MS = 1_500;

/** A shell session has no per-command exit status; its words are the evidence. */
function exitText(code: number | null): string {
  return code === null ? '' : ` (exit ${code})`;
}

function fixFor(error: string): string {
  if (/Could not open device/.test(error)) return '; load the local BMC driver ("modprobe ipmi_devintf ipmi_si") or give --ipmi-host for a remote BMC';
  if (/Invalid command \(c1\)|\(c1\)/.test(error)) return '; this BMC does not implement DCMI power readings: use --power ipmi-sdr';
  if (/Unable to establish/.test(error)) return '; check --ipmi-host, --ipmi-user, the password and --ipmi-cipher-suite (many BMCs need 3)';
  return '';
}
