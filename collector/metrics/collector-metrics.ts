import { Counter, Gauge, Registry } from 'prom-client';
import type { Record } from '../../proto/records.js';
import { statusWord } from '../../proto/csv-tables.js';
import type { Completeness } from '../../proto/records.js';
import type { SeriesBudget } from './series-budget.js';

/**
 * The collector's Prometheus metrics. Names and labels are a contract
 * (DESIGN.md): dashboards and alerts depend on them. Run ids are never labels.
 */
export class CollectorMetrics {
  readonly registry = new Registry();

  private readonly nodePowerWatts = new Gauge({
    name: 'powerprof_node_power_watts',
    help: 'Latest power reading of a node, per source and sensor, in watts.',
    labelNames: ['node', 'source', 'sensor'] as const,
    registers: [this.registry],
  });
  private readonly runsTotal = new Counter({
    name: 'powerprof_runs_total',
    help: 'Workload runs recorded, by final status.',
    labelNames: ['node', 'workload', 'status'] as const,
    registers: [this.registry],
  });
  private readonly runPmuEventsTotal = new Counter({
    name: 'powerprof_run_pmu_events_total',
    help: 'perf counter values summed over recorded runs (counted events only, raw as perf reported them).',
    labelNames: ['node', 'workload', 'event'] as const,
    registers: [this.registry],
  });
  private readonly lastRunDurationSeconds = new Gauge({
    name: 'powerprof_last_run_duration_seconds',
    help: 'Wall-clock duration of the latest recorded run of a workload on a node.',
    labelNames: ['node', 'workload'] as const,
    registers: [this.registry],
  });
  private readonly runEnergyJoulesTotal = new Counter({
    name: 'powerprof_run_energy_joules_total',
    help: 'Energy measured over recorded runs, in joules.',
    labelNames: ['node', 'workload'] as const,
    registers: [this.registry],
  });
  private readonly runItemsTotal = new Counter({
    name: 'powerprof_run_items_total',
    help: 'Inferences (the workload metric named by --items-key) over recorded runs that have energy; with the energy counter, joules per item.',
    labelNames: ['node', 'workload'] as const,
    registers: [this.registry],
  });
  private readonly powerSourceUp = new Gauge({
    name: 'powerprof_power_source_up',
    help: 'Whether a power source works on a node (1) or not (0), as its agent last reported.',
    labelNames: ['node', 'source'] as const,
    registers: [this.registry],
  });
  private readonly workloadMetric = new Gauge({
    name: 'powerprof_workload_metric',
    help: 'Latest value a workload reported about itself (RIGHTS, ACC, items, ...), from its latest measured run.',
    labelNames: ['node', 'workload', 'name'] as const,
    registers: [this.registry],
  });
  private readonly agentLastSeen = new Gauge({
    name: 'powerprof_agent_last_seen_timestamp_seconds',
    help: 'Unix time the collector last heard from a node (Hello or batch).',
    labelNames: ['node'] as const,
    registers: [this.registry],
  });
  private readonly recordsTotal = new Counter({
    name: 'powerprof_collector_records_total',
    help: 'Records durably written to Redis, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly rejectedTotal = new Counter({
    name: 'powerprof_collector_rejected_total',
    help: 'Records refused one by one (their valid neighbours stored), batches refused whole, and refused calls, by reason.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly seriesSkippedTotal = new Counter({
    name: 'powerprof_collector_series_skipped_total',
    help: "Metric updates not made because the series would pass a node's cap (--max-label-values per label, --max-series-per-node); the records are stored.",
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly duplicateBatchesTotal = new Counter({
    name: 'powerprof_collector_duplicate_batches_total',
    help: 'Batches received again after they had been written (retries); acked, not written twice.',
    registers: [this.registry],
  });
  private readonly trimmedRecordsTotal = new Counter({
    name: 'powerprof_collector_trimmed_records_total',
    help: 'Records removed from node streams by retention trimming (MAXLEN).',
    registers: [this.registry],
  });

  private readonly completenessByNode = new Map<string, Completeness>();
  private readonly lastSeenMs = new Map<string, number>();

  constructor(private readonly budget: SeriesBudget) {
    // Completeness: cumulative counts kept in Redis (they outlive this process), exposed as they are.
    const byNode = this.completenessByNode;
    const cumulative = (name: string, help: string, pick: (counts: Completeness) => number): void => {
      new Counter({
        name,
        help,
        labelNames: ['node'] as const,
        registers: [this.registry],
        collect() {
          this.reset();
          for (const [node, counts] of byNode) this.inc({ node }, pick(counts));
        },
      });
    };
    cumulative(
      'powerprof_node_records_produced_total',
      "Records a node's agent has produced since its spool was created, as the agent last reported.",
      (c) => c.produced,
    );
    cumulative(
      'powerprof_node_records_written_total',
      "A node's records written to Redis, each once (kept in Redis, so it outlives collector restarts).",
      (c) => c.written,
    );
    cumulative(
      'powerprof_agent_spool_dropped_records_total',
      "Records a node's agent dropped unsent because its spool was full, as the agent last reported; produced - written - dropped - refused is what is in flight or lost.",
      (c) => c.dropped,
    );
    cumulative(
      'powerprof_node_records_refused_total',
      "A node's records the collector refused by its record rules (each once; not stored, and not worth sending again).",
      (c) => c.refused,
    );
    cumulative(
      'powerprof_agent_refused_records_total',
      "Records a node's agent refused by the same rules before spooling them (never numbered), as the agent last reported.",
      (c) => c.agentRefused,
    );

    // Series that should read 0 before anything happens, so rate() and alerts see them.
    for (const kind of ['node_info', 'run', 'power_sample', 'counter_interval', 'power_source_status', 'job_status']) this.recordsTotal.inc({ kind }, 0);
    for (const reason of ['label_values', 'node_series']) this.seriesSkippedTotal.inc({ reason }, 0);
  }

  /** Whether a node's series may be made or updated; counted when it may not. */
  private admits(metric: string, labels: { node: string; [label: string]: string }): boolean {
    const verdict = this.budget.admit(labels.node, metric, labels);
    if (verdict === 'ok') return true;
    this.seriesSkippedTotal.inc({ reason: verdict });
    return false;
  }

  /** Call only for records that were durably written, once. */
  recordsWritten(node: string, records: readonly Record[], trimmed: number): void {
    for (const record of records) {
      this.recordsTotal.inc({ kind: record.kind! });
      if (record.kind === 'run') this.runWritten(node, record.run!);
      if (record.kind === 'power_sample') {
        const { source, sensor, watts } = record.power_sample!;
        const labels = { node, source, sensor };
        if (this.admits('node_power_watts', labels)) this.nodePowerWatts.set(labels, watts);
      }
      if (record.kind === 'power_source_status') {
        const { source, up } = record.power_source_status!;
        const labels = { node, source };
        if (this.admits('power_source_up', labels)) this.powerSourceUp.set(labels, up ? 1 : 0);
      }
    }
    if (trimmed > 0) this.trimmedRecordsTotal.inc(trimmed);
  }

  /** The ingest's unwritten records and bytes, read at each scrape. */
  trackInflight(records: () => number, bytes: () => number): void {
    new Gauge({
      name: 'powerprof_collector_inflight_records',
      help: 'Records received and not yet written to Redis and acked; bounded by backpressure.',
      registers: [this.registry],
      collect() {
        this.set(records());
      },
    });
    new Gauge({
      name: 'powerprof_collector_inflight_bytes',
      help: 'Bytes held unwritten (batches as received, and records as the JSON being written), over all streams; past --max-inflight-bytes every stream is paused.',
      registers: [this.registry],
      collect() {
        this.set(bytes());
      },
    });
  }

  completeness(node: string, counts: Completeness): void {
    this.completenessByNode.set(node, counts);
  }

  seen(node: string, nowMs = Date.now()): void {
    this.agentLastSeen.set({ node }, nowMs / 1000);
    this.lastSeenMs.set(node, nowMs);
  }

  /**
   * Removes every series of the nodes not heard from for longer than
   * silentMs (their power, runs, completeness...), so that a fleet that
   * changes does not grow the series for ever. Returns those nodes.
   */
  async forgetSilentNodes(silentMs: number, nowMs = Date.now()): Promise<string[]> {
    const silent = [...this.lastSeenMs].filter(([, seenMs]) => nowMs - seenMs > silentMs).map(([node]) => node);
    if (silent.length === 0) return [];
    const gone = new Set(silent);
    for (const metric of this.registry.getMetricsAsArray() as unknown as Array<{
      get(): Promise<{ values: Array<{ labels: { [label: string]: string | number } }> }>;
      remove(labels: object): void;
    }>) {
      for (const { labels } of (await metric.get()).values) {
        if (gone.has(String(labels.node))) metric.remove(labels);
      }
    }
    for (const node of silent) {
      this.lastSeenMs.delete(node);
      this.completenessByNode.delete(node);
    }
    return silent;
  }

  rejected(reason: string): void {
    this.rejectedTotal.inc({ reason });
  }

  duplicate(): void {
    this.duplicateBatchesTotal.inc();
  }

  private runWritten(node: string, run: NonNullable<Record['run']>): void {
    const { workload } = run;
    const statusLabels = { node, workload, status: statusWord(run.status) };
    if (this.admits('runs_total', statusLabels)) this.runsTotal.inc(statusLabels);
    const workloadLabels = { node, workload };
    if (this.admits('last_run_duration_seconds', workloadLabels)) this.lastRunDurationSeconds.set(workloadLabels, run.duration_ms / 1000);
    for (const counter of run.counters) {
      if (counter.status !== 'COUNTER_STATUS_COUNTED' || counter.value <= 0) continue;
      const labels = { node, workload, event: counter.event };
      if (this.admits('run_pmu_events_total', labels)) this.runPmuEventsTotal.inc(labels, counter.value);
    }
    if (run.energy_joules !== undefined && this.admits('run_energy_joules_total', workloadLabels))
      this.runEnergyJoulesTotal.inc(workloadLabels, run.energy_joules);
    // Items only with energy, so that the two counters divide into joules per item.
    if (run.energy_joules !== undefined && run.items !== undefined && this.admits('run_items_total', workloadLabels))
      this.runItemsTotal.inc(workloadLabels, run.items);
    if (!run.warmup) {
      for (const [name, value] of Object.entries(run.workload_metrics)) {
        const labels = { node, workload, name };
        if (this.admits('workload_metric', labels)) this.workloadMetric.set(labels, value);
      }
    }
  }
}
