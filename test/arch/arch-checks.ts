import { eventPresets } from '../../agent/perf/event-presets.js';
import type { ArchGuest } from './arch-guests.js';

/** What came back from one guest: the job's own report, what landed in Redis, the exports and the report. */
export interface GuestEvidence {
  /** The guest job's steps: "probe-auto 0", "run-auto 0", "blocked-port unreachable". */
  status: string[];
  probes: Map<string, string>;
  /** Connections the host's decoy port (outside the one forward) got while the guest ran. */
  decoyConnections: number;
  records: Array<{ seq: string; kind: string; data: Record<string, unknown> }>;
  runs: Array<Record<string, string>>;
  power: Array<Record<string, string>>;
  counters: Array<Record<string, string>>;
  reportHtml: string;
  /** The watts the BMC served while the guest ran, in order. */
  bmcWatts: number[];
}

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

interface RunData {
  run_id: string;
  status: string;
  fingerprint?: { pmu_emulation?: string };
  counters: Array<{ event: string; status: string; value: number }>;
}

export function checkGuest(guest: ArchGuest, evidence: GuestEvidence): Check[] {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail: string): void => void checks.push({ name, ok, detail });
  const steps = new Map(evidence.status.map((line) => line.split(' ') as [string, string]));
  const runs = evidence.records.filter((r) => r.kind === 'run').map((r) => r.data as unknown as RunData);
  const nodeInfo = evidence.records.find((r) => r.kind === 'node_info')?.data as { arch?: string; cpu_model?: string; pmu_emulation?: string } | undefined;
  const expectedRuns = guest.eventSets.length * guest.repeat;

  for (const events of guest.eventSets) {
    const name = events.replace(':', '-');
    check(
      `probe ${events}`,
      steps.get(`probe-${name}`) === '0',
      `exit ${steps.get(`probe-${name}`) ?? 'missing'}: ${(evidence.probes.get(name) ?? '').slice(0, 400)}`,
    );
    check(`run ${events}`, steps.get(`run-${name}`) === '0', `exit ${steps.get(`run-${name}`) ?? 'missing'}`);
  }
  check(
    'network: nothing but the collector forward',
    steps.get('blocked-port') === 'unreachable' && evidence.decoyConnections === 0,
    `guest: ${steps.get('blocked-port') ?? 'missing'}, decoy connections ${evidence.decoyConnections}`,
  );
  check(
    `fingerprint: ${guest.arch}`,
    nodeInfo?.arch === guest.arch && (guest.debianArch !== 'ppc64el' || /POWER9/.test(nodeInfo.cpu_model ?? '')),
    JSON.stringify({ arch: nodeInfo?.arch, cpu_model: nodeInfo?.cpu_model }),
  );

  // Exactly once: every run once in Redis, every record's seq once, and the export agrees.
  const runIds = runs.map((run) => run.run_id);
  const seqs = evidence.records.map((r) => r.seq);
  check(
    'records landed exactly once',
    runs.length === expectedRuns && new Set(runIds).size === runIds.length && new Set(seqs).size === seqs.length && evidence.runs.length === expectedRuns,
    `${runs.length} runs in Redis (want ${expectedRuns}), ${new Set(runIds).size} distinct; ${seqs.length} records, ${new Set(seqs).size} distinct seqs; runs.csv ${evidence.runs.length} rows`,
  );
  check('every run ok', runs.length > 0 && runs.every((run) => run.status === 'RUN_STATUS_OK'), runs.map((run) => run.status).join(' '));

  // Honesty: the probe, every run record, runs.csv and the report say the PMU is emulated.
  check(
    'emulation said: probe',
    evidence.probes.size === guest.eventSets.length && [...evidence.probes.values()].every((text) => /emulated: .*TCG/.test(text)),
    '',
  );
  check(
    'emulation said: every run record and runs.csv',
    runs.length > 0 && runs.every((run) => /TCG/.test(run.fingerprint?.pmu_emulation ?? '')) && evidence.runs.every((row) => row.pmu_emulated === 'true'),
    nodeInfo?.pmu_emulation ?? 'no node info',
  );
  check('emulation said: report', /Emulated PMU: the \d+ runs? of arch-/.test(evidence.reportHtml), '');
  if (guest.runArgs.includes('--interval-ms')) check('counters.csv: intervals streamed', evidence.counters.length > 0, `${evidence.counters.length} rows`);

  const counted = (run: RunData, event: string): number | undefined => {
    const counter = run.counters.find((c) => c.event === event);
    return counter?.status === 'COUNTER_STATUS_COUNTED' ? counter.value : undefined;
  };
  if (guest.debianArch === 'ppc64el') {
    check(
      'instructions counted and > 0 in every run',
      runs.length > 0 && runs.every((run) => (counted(run, 'instructions') ?? 0) > 0),
      runs.map((run) => counted(run, 'instructions')).join(' '),
    );
    check(
      'report: what the generic events counted on ppc64le',
      /instructions completed \(PM_INST_CMPL\)/.test(evidence.reportHtml) && /L1 data-cache load misses/.test(evidence.reportHtml),
      '',
    );
  }
  if (guest.eventSets.includes('preset:power9')) {
    const power9Runs = runs.filter((run) => run.counters.some((c) => c.event === 'PM_RUN_INST_CMPL'));
    const unresolved = power9Runs.flatMap((run) =>
      run.counters.filter((c) => eventPresets.power9!.includes(c.event) && c.status !== 'COUNTER_STATUS_COUNTED').map((c) => `${c.event}: ${c.status}`),
    );
    check(
      'every power9 preset event resolves on the POWER9 PMU driver (counted, maybe as 0)',
      power9Runs.length >= guest.repeat &&
        unresolved.length === 0 &&
        power9Runs.every((run) => eventPresets.power9!.every((event) => run.counters.some((c) => c.event === event))),
      unresolved.join(', ') || `${power9Runs.length} runs`,
    );
  }
  if (guest.debianArch === 'arm64') {
    check(
      'cycles counted and > 0 in every run',
      runs.length > 0 && runs.every((run) => (counted(run, 'cycles') ?? 0) > 0),
      runs.map((run) => counted(run, 'cycles')).join(' '),
    );
    const statuses = runs.flatMap((run) => eventPresets.arm!.map((event) => `${event}:${run.counters.find((c) => c.event === event)?.status ?? 'missing'}`));
    const unsupported = statuses.filter((s) => s.endsWith('COUNTER_STATUS_NOT_SUPPORTED'));
    check(
      "the arm preset's unsupported events reported as such",
      unsupported.length > 0 && statuses.every((s) => /COUNTER_STATUS_(COUNTED|NOT_SUPPORTED)$/.test(s)),
      [...new Set(unsupported.map((s) => s.split(':')[0]))].join(', '),
    );
  }
  if (guest.runArgs.includes('ipmi-dcmi')) {
    const dcmi = evidence.power.filter((row) => row.source === 'ipmi-dcmi');
    const watts = new Set(dcmi.map((row) => Number(row.watts)));
    check(
      'power read in-band from the BMC (ipmi-dcmi over /dev/ipmi0), following it',
      dcmi.length >= 4 && evidence.bmcWatts.every((w) => watts.has(w)),
      `${dcmi.length} samples, watts seen ${[...watts].join(', ')}, served ${evidence.bmcWatts.join(', ')}`,
    );
    check(
      'each run has its energy from those samples',
      evidence.runs.length > 0 && evidence.runs.every((row) => Number(row['ipmi-dcmi_energy_joules']) > 0),
      evidence.runs.map((row) => row['ipmi-dcmi_energy_joules'] ?? 'none').join(' '),
    );
  }
  return checks;
}
