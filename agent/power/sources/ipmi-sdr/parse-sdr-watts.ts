/**
 * Reads the sensors that report Watts from any ipmitool listing: `sdr list`
 * (name | reading | status), `sdr elist` and `sdr type` (name | id | status
 * | entity | reading), and `sensor` (name | value | unit | status | ...).
 * Pure. Sensors without a reading ("no reading", "disabled", "0x00", an
 * empty cell, "Presence detected") are skipped, never 0 W; so are readings
 * no power can have (negative: a BMC's unset or signed-garbage value).
 */

export interface SdrWatts {
  sensor: string;
  watts: number;
}

export type SdrParse = { ok: true; sensors: SdrWatts[] } | { ok: false; error: string };

export function parseSdrWatts(text: string): SdrParse {
  const sensors: SdrWatts[] = [];
  let tableRows = 0;
  for (const line of text.split(/\r?\n/)) {
    const cells = line.split('|').map((cell) => cell.trim());
    if (cells.length < 3) continue;
    tableRows++;
    const watts = wattsOf(cells);
    if (watts !== undefined && cells[0] !== '') sensors.push({ sensor: cells[0]!, watts });
  }
  if (sensors.length > 0) return { ok: true, sensors };
  const first = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l !== '');
  if (first === undefined) return { ok: false, error: 'ipmitool printed nothing' };
  if (tableRows === 0) return { ok: false, error: first };
  return { ok: false, error: `no sensor reports Watts (${tableRows} sensors listed)` };
}

function wattsOf(cells: string[]): number | undefined {
  // `sensor`: value and unit in their own columns.
  if (cells.length >= 4 && cells[2] === 'Watts') return number(cells[1]!);
  // `sdr list` (3 columns) and `sdr elist`/`sdr type` (5): "225 Watts" or "225 Watts, Presence detected".
  const reading = cells.length >= 5 ? cells[4]! : cells[1]!;
  const match = /^(-?\d+(?:\.\d+)?)\s+Watts\b/.exec(reading);
  return match ? number(match[1]!) : undefined;
}

function number(text: string): number | undefined {
  const value = /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : Number.NaN;
  return Number.isFinite(value) && value >= 0 ? value : undefined;
}
