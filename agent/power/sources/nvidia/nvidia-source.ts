import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { parseNvidiaSmi } from './parse-nvidia-smi.js';
import { SourceError, type PowerSource, type Probe, type SensorReading } from '../../power-source.js';

const QUERY = ['--query-gpu=index,name,power.draw', '--format=csv,noheader,nounits'];
const FIELDS = ['index', 'name', 'power.draw'];

/**
 * NVIDIA GPU board power from one long-lived `nvidia-smi ... -lms N`, which
 * prints every GPU each period; a spawn per sample would cost far more than
 * the reading. sample() returns the latest line per GPU, and fails when the
 * process has gone quiet for three periods. Sensors are GPU indexes.
 */
export function nvidiaSource(nvidiaSmiPath: string, periodMs: number): PowerSource {
  let child: ChildProcess | undefined;
  let partial = '';
  let latest = new Map<string, { watts: number; atMs: number }>();
  let lastError = '';

  const start = (): void => {
    child = spawn(nvidiaSmiPath, [...QUERY, `-lms`, String(periodMs)], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop()!;
      const parsed = parseNvidiaSmi(lines.join('\n'), FIELDS);
      if (parsed.ok) for (const gpu of parsed.gpus) latest.set(gpu.sensor, { watts: gpu.watts, atMs: Date.now() });
      else if (lines.some((l) => l.trim() !== '')) lastError = parsed.error;
    });
    child.stderr!.on('data', (chunk: Buffer) => (lastError = chunk.toString().trim()));
    child.once('exit', (code) => {
      lastError ||= `nvidia-smi exited (${code})`;
      child = undefined;
    });
    child.once('error', (error) => (lastError = error.message));
  };

  return {
    name: 'nvidia',
    probe: () =>
      new Promise<Probe>((resolve) => {
        execFile(nvidiaSmiPath, QUERY, { timeout: 10_000, encoding: 'utf8' }, (error, stdout, stderr) => {
          if (error !== null && (error as NodeJS.ErrnoException).code === 'ENOENT') {
            resolve({ ok: false, reason: `nvidia-smi not found ("${nvidiaSmiPath}"): no NVIDIA driver on this node` });
            return;
          }
          const parsed = parseNvidiaSmi(stdout, FIELDS);
          if (!parsed.ok) resolve({ ok: false, reason: `"nvidia-smi ${QUERY.join(' ')}": ${(stderr.trim() || parsed.error).split('\n')[0]}` });
          else resolve({ ok: true, sensors: parsed.gpus.map((g) => g.sensor) });
        });
      }),
    async sample(): Promise<SensorReading[]> {
      if (child === undefined) start();
      const fresh = [...latest].filter(([, reading]) => Date.now() - reading.atMs <= 3 * periodMs + 2_000);
      if (fresh.length === 0) {
        if (latest.size > 0 || lastError !== '')
          throw new SourceError(`nvidia-smi gave no reading for ${(3 * periodMs) / 1000} s${lastError === '' ? '' : `: ${lastError}`}`);
        return []; // just started: the first lines are on their way
      }
      return fresh.map(([sensor, reading]) => ({ sensor, watts: reading.watts }));
    },
    totalSensors: () => [], // GPUs are parts of the node, not the node
    close: async () => {
      child?.kill('SIGTERM');
      child = undefined;
      latest = new Map();
    },
  };
}
