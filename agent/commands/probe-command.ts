import type { Logger } from 'pino';
import type { ProbeConfig } from '../config.js';
import { powerSettings } from './command-settings.js';
import { UsageError } from '../usage-error.js';
import { collectNodeInfo } from '../node-info/collect-node-info.js';
import { readNodeFingerprint } from '../node-info/node-fingerprint.js';
import { diagnosePmu } from '../perf/diagnose-pmu.js';
import { isSoftwareEvent, resolveEvents } from '../perf/event-presets.js';
import { genericEventMeaning } from '../perf/generic-event-meanings.js';
import { probePerf } from '../perf/probe-perf.js';
import { createPowerSampler } from '../power/power-setup.js';
import { selectedSourceNames } from '../power/power-sources.js';
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

  out.write(
    `node       ${node.node_id}: ${node.arch}, ${node.cpu_model || 'unknown CPU'}, ${fingerprint.online_cpus} CPUs online, ` +
      `SMT ${fingerprint.smt || 'unknown'}, governor ${fingerprint.frequency_governor || 'none (no cpufreq)'}, kernel ${node.kernel}\n`,
  );
  out.write(
    `perf       ${perf.version}${perf.attach ? '' : ' (before 5.11: no stat --control, so perf starts workloads itself and its word on how they ended is taken; newer perf is exact)'}\n`,
  );
  out.write(`PMUs       ${pmu.devices.join(', ') || 'none'}${pmu.virtualMachine === undefined ? '' : `  (virtual machine: ${pmu.virtualMachine})`}\n`);
  if (pmu.reason !== undefined) out.write(`           ${pmu.reason}\n           fix: ${pmu.fix}\n`);
  if (node.pmu_emulation !== '') out.write(`           emulated: ${node.pmu_emulation}; every run record says so (pmu_emulation)\n`);

  const outcome = await runWorkload(
    { command: 'true', args: [], timeoutMs: 30_000, killGraceMs: 1_000 },
    { perfPath: config.perf_path, attach: perf.attach, events: resolved.events, intervalMs: 0 },
    new AbortController().signal,
  );
  const width = Math.max(5, ...resolved.events.map((e) => e.length));
  out.write(`\n${'event'.padEnd(width)}  ${'status'.padEnd(13)}  note\n`);
  for (const event of resolved.events) {
    const row = outcome.counters.find((c) => c.event === event);
    const status = row?.status ?? 'not_reported';
    out.write(`${event.padEnd(width)}  ${status.padEnd(13)}  ${eventNote(event, status, node.arch, pmu.reason)}\n`);
  }
  await probePower(config, logger, out);
  return 0;
}

/** One line per power source: ok with its sensors and a first reading, or why not. */
async function probePower(config: ProbeConfig, logger: Logger, out: NodeJS.WritableStream): Promise<void> {
  if (config.power.includes('none')) return;
  const samples = new Map<string, string[]>();
  const reasons = new Map<string, string>();
  const sampler = createPowerSampler(powerSettings(config), {
    onSamples: (batch) => batch.forEach((s) => samples.set(s.source, [...(samples.get(s.source) ?? []), `${s.sensor} ${s.watts.toFixed(1)} W`])),
    onStatus: (status) => (status.up ? reasons.delete(status.source) : reasons.set(status.source, status.error)),
    // The table says why a source is down; no need to log it too.
    logger: logger.child({}, { level: 'error' }),
  });
  const names = selectedSourceNames(config.power);
  try {
    const up = await sampler.start();
    // Counters need two readings for a power figure.
    if (up.length > 0) await sampler.readingsAfter(Date.now() + config.power_period_ms, config.power_period_ms * 3 + config.power_timeout * 1000);
    const width = Math.max(6, ...names.map((n) => n.length));
    out.write(`\n${'source'.padEnd(width)}  status  sensors, first reading / why not\n`);
    for (const name of names) {
      if (up.includes(name)) out.write(`${name.padEnd(width)}  ok      ${(samples.get(name) ?? ['(no power figure yet)']).join(', ')}\n`);
      else out.write(`${name.padEnd(width)}  no      ${reasons.get(name) ?? 'not probed'}\n`);
    }
  } finally {
    await sampler.stop();
  }
}

function eventNote(event: string, status: string, arch: string, pmuProblem: string | undefined): string {
  const meaning = genericEventMeaning(event, arch);
  if (status === 'counted') return meaning === '' ? '' : `counts ${meaning}`;
  if (status === 'not_counted') return "opened but never scheduled on the PMU (all counters busy, or a hybrid CPU's other core type)";
  if (isSoftwareEvent(event)) return 'software event not available in this kernel';
  if (pmuProblem !== undefined) return 'no hardware PMU (see above)';
  return 'this PMU has no such event (see "perf list")';
}
