/**
 * Parses `ipmitool dcmi power reading` (ipmitool 1.8.11 to 1.8.19). Pure.
 * Variants: the 1.8.19 timestamp printed without a newline, so the
 * sampling period shares its line; "Milliseconds" (raw ms, up to 1.8.15)
 * versus "Seconds." (ms / 1000, from 1.8.16); "Unknown (0x1388) " for a
 * period ipmitool cannot name; indent stripped or tabs. An instantaneous
 * value below the minimum is what real BMCs send and is kept as is.
 * Errors printed with exit status 0 are still errors, never 0 W.
 */

export interface DcmiPowerReading {
  watts: number;
  min_watts: number;
  max_watts: number;
  avg_watts: number;
  /** null when ipmitool printed a period it could not name. */
  sampling_period_ms: number | null;
  /** "deactivated": the BMC says the reading is not valid; its numbers mean nothing. */
  state: 'activated' | 'deactivated';
  bmc_timestamp: string;
}

export type DcmiParse = { ok: true; reading: DcmiPowerReading } | { ok: false; error: string };

const LABELS = {
  watts: 'Instantaneous power reading:',
  min_watts: 'Minimum during sampling period:',
  max_watts: 'Maximum during sampling period:',
  avg_watts: 'Average power reading over sample period:',
} as const;

export function parseDcmiPowerReading(text: string): DcmiParse {
  const lines = text
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '');
  const failure = lines.find((line) =>
    /DCMI request failed|Unable to get DCMI|A valid DCMI command was not returned|^Error|Could not open device|Unable to establish|Get Session Challenge command failed|Error loading interface/i.test(
      line,
    ),
  );
  if (failure !== undefined) return { ok: false, error: failure };

  const values: Partial<Record<keyof typeof LABELS, number>> = {};
  for (const [field, label] of Object.entries(LABELS) as Array<[keyof typeof LABELS, string]>) {
    const line = lines.find((l) => l.startsWith(label));
    const match = line === undefined ? null : /(-?\d+)\s+Watts\s*$/.exec(line);
    if (!match) continue;
    // ipmitool prints these 16-bit fields unsigned: anything else is not a reading.
    const watts = Number(match[1]);
    if (!Number.isSafeInteger(watts) || watts < 0) return { ok: false, error: `not a DCMI power reading: impossible value in "${line}"` };
    values[field] = watts;
  }
  const stateLine = lines.find((l) => l.startsWith('Power reading state is:'));
  const state = stateLine === undefined ? undefined : /\b(activated|deactivated)\b/.exec(stateLine)?.[1];
  if (values.watts === undefined || values.min_watts === undefined || values.max_watts === undefined || values.avg_watts === undefined || state === undefined) {
    const first = lines[0];
    return { ok: false, error: first === undefined ? 'ipmitool printed nothing' : `not a DCMI power reading: "${first}"` };
  }
  return {
    ok: true,
    reading: {
      watts: values.watts,
      min_watts: values.min_watts,
      max_watts: values.max_watts,
      avg_watts: values.avg_watts,
      sampling_period_ms: samplingPeriodMs(lines),
      state: state as 'activated' | 'deactivated',
      bmc_timestamp: bmcTimestamp(lines),
    },
  };
}

function samplingPeriodMs(lines: string[]): number | null {
  const line = lines.find((l) => l.includes('Sampling period:'));
  if (line === undefined) return null;
  const period = line.slice(line.indexOf('Sampling period:') + 'Sampling period:'.length).trim();
  const milliseconds = /^(\d+)\s+Milliseconds/.exec(period);
  const seconds = /^(\d+)\s+Seconds/.exec(period);
  const ms = milliseconds ? Number(milliseconds[1]) : seconds ? Number(seconds[1]) * 1000 : Number.NaN;
  if (Number.isSafeInteger(ms)) return ms;
  return null; // "Unknown (0x1388) ": the raw value is not the period
}

function bmcTimestamp(lines: string[]): string {
  const line = lines.find((l) => l.startsWith('IPMI timestamp:'));
  if (line === undefined) return '';
  return line
    .slice('IPMI timestamp:'.length)
    .split(/\s{2,}Sampling period:/)[0]!
    .trim();
}
