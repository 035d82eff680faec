import { readFileSync } from 'node:fs';
import { parseLscpu } from '../node-info/parse-lscpu.js';
import { parsePerfStat } from '../perf/parse-perf-stat.js';
import { parseDcmiPowerReading } from '../power/sources/ipmi-dcmi/parse-dcmi-power-reading.js';
import { parseNvidiaSmi } from '../power/sources/nvidia/parse-nvidia-smi.js';
import { parseSdrWatts } from '../power/sources/ipmi-sdr/parse-sdr-watts.js';
import { UsageError } from '../usage-error.js';

/** What `powerprof-agent parse KIND` understands. */
export const parsers: Record<string, (text: string) => { ok: true; lines: object[] } | { ok: false; error: string }> = {
  'perf-stat': (text) => {
    const parsed = parsePerfStat(text);
    return parsed.ok ? { ok: true, lines: parsed.rows } : parsed;
  },
  lscpu: (text) => {
    const parsed = parseLscpu(text);
    return parsed.ok ? { ok: true, lines: [parsed.info] } : parsed;
  },
  'ipmi-dcmi': (text) => {
    const parsed = parseDcmiPowerReading(text);
    return parsed.ok ? { ok: true, lines: [parsed.reading] } : parsed;
  },
  'ipmi-sdr': (text) => {
    const parsed = parseSdrWatts(text);
    return parsed.ok ? { ok: true, lines: parsed.sensors } : parsed;
  },
  'nvidia-smi': (text) => {
    const parsed = parseNvidiaSmi(text);
    return parsed.ok ? { ok: true, lines: parsed.gpus } : parsed;
  },
};

export const parseKinds = Object.keys(parsers);

/**
 * `powerprof-agent parse KIND [FILE|-]`: a captured tool output in, one JSON
 * object per line out. Exit 0 with at least one line, or 1 with one line on
 * stderr quoting the tool's own words and nothing on stdout.
 */
export function parseCommand(argv: readonly string[], stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): number {
  const [kind, file = '-', ...extra] = argv;
  if (kind === undefined || !(kind in parsers)) {
    throw new UsageError(`parse needs a kind, one of: ${parseKinds.join(', ')}${kind === undefined ? '' : ` (got "${kind}")`}`);
  }
  if (extra.length > 0) throw new UsageError(`parse takes one file, got also "${extra[0]}"`);
  let text: string;
  try {
    text = readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read "${file}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const result = parsers[kind]!(text);
  if (!result.ok) {
    stderr.write(`${kind}: ${result.error}\n`);
    return 1;
  }
  stdout.write(result.lines.map((line) => JSON.stringify(line)).join('\n') + '\n');
  return 0;
}
