/**
 * Parses `nvidia-smi --query-gpu=... --format=csv[,noheader][,nounits]`. Pure.
 * With a header the power.draw column is found by name ("power.draw [W]");
 * without one, the caller says which fields it queried. Values may carry
 * units ("41.58 W"); "[N/A]" and "[Not Supported]" mean no reading.
 */

export interface GpuPower {
  sensor: string;
  watts: number;
}

export type NvidiaParse = { ok: true; gpus: GpuPower[] } | { ok: false; error: string };

export function parseNvidiaSmi(text: string, queriedFields?: readonly string[]): NvidiaParse {
  const rows = text
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '')
    .map((line) => line.split(',').map((cell) => cell.trim()));
  if (rows.length === 0) return { ok: false, error: 'nvidia-smi printed nothing' };
  const hasHeader = rows[0]!.some((cell) => /^(power\.draw|name|index)(\s*\[.*\])?$/.test(cell));
  const fields = hasHeader ? rows[0]!.map((cell) => cell.replace(/\s*\[.*\]$/, '')) : queriedFields;
  if (fields === undefined) {
    if (rows[0]!.length === 1) return { ok: false, error: rows[0]![0]! };
    return { ok: false, error: 'no header line: cannot tell which column is power.draw (query with --format=csv, or index,name,power.draw)' };
  }
  const power = fields.indexOf('power.draw');
  if (power === -1) return { ok: false, error: 'power.draw was not queried' };
  const index = fields.indexOf('index');
  const name = fields.indexOf('name');
  const gpus: GpuPower[] = [];
  for (const [position, row] of rows.slice(hasHeader ? 1 : 0).entries()) {
    const match = /^(\d+(?:\.\d+)?)(\s*W)?$/.exec(row[power] ?? '');
    if (!match) continue;
    const sensor = index !== -1 && row[index] !== undefined ? row[index] : name !== -1 && row[name] !== undefined ? row[name] : String(position);
    gpus.push({ sensor, watts: Number(match[1]) });
  }
  if (gpus.length > 0) return { ok: true, gpus };
  const unavailable = rows
    .slice(hasHeader ? 1 : 0)
    .map((row) => row[power])
    .find((cell) => cell !== undefined && cell !== '');
  return { ok: false, error: unavailable === undefined ? 'no GPU rows' : `no power reading: power.draw is ${unavailable}` };
}
