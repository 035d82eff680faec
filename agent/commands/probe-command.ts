import type { Logger } from 'pino';
import type { ProbeConfig } from '../config.js';
import { UsageError } from '../config.js';
import { collectNodeInfo } from '../node-info/collect-node-info.js';
import { readNodeFingerprint } from '../node-info/node-fingerprint.js';
import { diagnosePmu } from '../perf/diagnose-pmu.js';
import { isSoftwareEvent, resolveEvents } from '../perf/event-presets.js';
import { genericEventMeaning } from '../perf/generic-event-meanings.js';
import { probePerf } from '../perf/probe-perf.js';
import { runWorkload } from '../workload/run-workload.js';

/**
 * `powerprof-agent probe`: what this node can measure, and for what it
 * cannot, why and how to fix it. Counts the chosen events once around
 * `true` to see which perf can open.
 */
export async function probeCommand(config: ProbeConfig, logger: Logger, out: NodeJS.WritableStream): Promise<number> {
  const perf = await probePerf(config.perf_path);
  if (!perf.ok) throw new UsageError(`${perf.reason}.\nTo fix: ${perf.fix}.`);
  const node = await collectNodeInfo(config.node_id, perf.version, logger);
  const fingerprint = await readNodeFingerprint(config.sysfs_root, node);
  const resolved = resolveEvents(config.events, node.arch);
  if (!resolved.ok) throw new UsageError(`events: ${resolved.error}`);
  const pmu = await diagnosePmu(config.sysfs_root, config.proc_root);

  out.write(`node       ${node.node_id}: ${node.arch}, ${node.cpu_model || 'unknown CPU'}, ${fingerprint.online_cpus} CPUs online, ` +
    `SMT ${fingerprint.smt || 'unknown'}, governor ${fingerprint.frequency_governor || 'none (no cpufreq)'}, kernel ${node.kernel}\n`);
  out.write(`perf       ${perf.version}\n`);
  out.write(`PMUs       ${pmu.devices.join(', ') || 'none'}${pmu.virtualMachine === undefined ? '' : `  (virtual machine: ${pmu.virtualMachine})`}\n`);
  if (pmu.reason !== undefined) out.write(`           ${pmu.reason}\n           fix: ${pmu.fix}\n`);

  const outcome = await runWorkload({ command: 'true', args: [], timeoutMs: 30_000, killGraceMs: 1_000 }, { perfPath: config.perf_path, events: resolved.events, intervalMs: 0 }, new AbortController().signal);
  const width = Math.max(5, ...resolved.events.map((e) => e.length));
  out.write(`\n${'event'.padEnd(width)}  ${'status'.padEnd(13)}  note\n`);
  for (const event of resolved.events) {
    const row = outcome.counters.find((c) => c.event === event);
    const status = row?.status ?? 'not_reported';
    out.write(`${event.padEnd(width)}  ${status.padEnd(13)}  ${eventNote(event, status, node.arch, pmu.reason)}\n`);
  }
  return 0;
}

function eventNote(event: string, status: string, arch: string, pmuProblem: string | undefined): string {
  const meaning = genericEventMeaning(event, arch);
  if (status === 'counted') return meaning === '' ? '' : `counts ${meaning}`;
  if (status === 'not_counted') return 'opened but never scheduled on the PMU (all counters busy, or a hybrid CPU\'s other core type)';
  if (isSoftwareEvent(event)) return 'software event not available in this kernel';
  if (pmuProblem !== undefined) return 'no hardware PMU (see above)';
  return 'this PMU has no such event (see "perf list")';
}
