import { Counter, Gauge, Registry } from 'prom-client';
import type { HistoryTable } from '../history/history-layout.js';
import type { SinkObserver } from './history-sink.js';

/**
 * What the history sink exposes at /metrics: what it wrote, how far behind
 * it is, what it had to do again and what failed. Its own registry: a sink
 * runs as its own process (powerprof-sink.service), beside the collector;
 * its worker threads report here (sink-threads.ts).
 */
export class SinkMetrics implements SinkObserver {
  readonly registry = new Registry();

  readonly recordsWritten = new Counter({
    name: 'powerprof_sink_records_written_total',
    help: 'Records written to the Parquet history and trimmed from Redis, by table.',
    labelNames: ['table'] as const,
    registers: [this.registry],
  });

  readonly filesWritten = new Counter({
    name: 'powerprof_sink_files_written_total',
    help: 'Parquet files written (synced and renamed into place).',
    registers: [this.registry],
  });

  readonly bytesWritten = new Counter({
    name: 'powerprof_sink_bytes_written_total',
    help: 'Bytes of Parquet files written.',
    registers: [this.registry],
  });

  readonly batchesRedone = new Counter({
    name: 'powerprof_sink_batches_redone_total',
    help: 'Batches written again because a sink stopped between reading and acknowledging them.',
    registers: [this.registry],
  });

  readonly passFailures = new Counter({
    name: 'powerprof_sink_pass_failures_total',
    help: 'Passes that failed (Redis away, the disk full or failing); what was not written stays in Redis.',
    registers: [this.registry],
  });

  readonly trimmedBeforeReadTotal = new Counter({
    name: 'powerprof_sink_trimmed_before_read_total',
    help: "Times a node's stream was found trimmed (--retention-maxlen) past entries no sink had read: records not in the history.",
    registers: [this.registry],
  });

  readonly backlogRecords = new Gauge({
    name: 'powerprof_sink_backlog_records',
    help: 'Records waiting in Redis for the sink, over all nodes, at the end of the latest pass (of any thread).',
    registers: [this.registry],
  });

  readonly lastWriteTimestamp = new Gauge({
    name: 'powerprof_sink_last_write_timestamp_seconds',
    help: 'When the sink last wrote a batch to the history (unix seconds).',
    registers: [this.registry],
  });

  batchWritten(rowsByTable: ReadonlyMap<HistoryTable, number>, files: number, bytes: number, redone: boolean): void {
    for (const [table, records] of rowsByTable) this.recordsWritten.inc({ table }, records);
    this.filesWritten.inc(files);
    this.bytesWritten.inc(bytes);
    if (redone) this.batchesRedone.inc();
    this.lastWriteTimestamp.set(Date.now() / 1000);
  }

  passFailed(): void {
    this.passFailures.inc();
  }

  trimmedBeforeRead(): void {
    this.trimmedBeforeReadTotal.inc();
  }

  backlogMeasured(records: number): void {
    this.backlogRecords.set(records);
  }
}
