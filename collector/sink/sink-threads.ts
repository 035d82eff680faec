import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { SinkConfig } from '../config.js';
import type { SinkMetrics } from './sink-metrics.js';
import type { SinkWorkerData, SinkWorkerMessage } from './sink-worker.js';

/** A thread that died is started again after this long (as systemd's RestartSec would the process). */
const RESTART_DELAY_MS = 2_000;
/**
 * Each thread's young generation. A batch lives across awaits, so at V8's
 * default most of its objects survive into the old generation and are
 * collected there, at several times the cost (measured: about 15 % of the
 * sink's CPU).
 */
const YOUNG_GENERATION_MB = 96;

/**
 * The history sink's worker threads: one HistorySink each, so that reading
 * Redis's replies, decoding and encoding Parquet (all of a sink's CPU) use
 * as many cores as --threads gives it.
 * The main thread keeps the metrics and serves them. A thread that dies is
 * logged and started again; what it was writing stays pending in Redis and
 * is written by whichever sink takes the node next.
 */
export class SinkThreads {
  private readonly workers: Array<Worker | undefined> = [];
  private readonly redisReady: boolean[] = [];
  private stopping = false;

  constructor(
    private readonly config: SinkConfig,
    private readonly consumer: string,
    private readonly group: string,
    private readonly metrics: SinkMetrics,
    private readonly logger: Logger,
  ) {}

  /** Resolves once every thread has its sink running (its modules loaded: tens of milliseconds). */
  async start(): Promise<void> {
    const started: Array<Promise<void>> = [];
    for (let index = 0; index < this.config.threads; index++) started.push(this.startThread(index));
    await Promise.all(started);
  }

  /** Ready when every thread has its Redis connection. */
  get ready(): boolean {
    return this.redisReady.length === this.config.threads && this.redisReady.every(Boolean);
  }

  /** Each thread finishes the batch in hand (written and acknowledged) and gives its nodes back. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    await Promise.all(
      this.workers.map(async (worker) => {
        if (worker === undefined) return;
        const exited = new Promise((resolve) => worker.once('exit', resolve));
        worker.postMessage('stop');
        await exited;
      }),
    );
  }

  private startThread(index: number): Promise<void> {
    const workerData: SinkWorkerData = { config: this.config, consumer: this.consumer, group: this.group, place: { index, of: this.config.threads } };
    const worker = new Worker(new URL('./sink-worker.js', import.meta.url), { workerData, resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB } });
    this.workers[index] = worker;
    this.redisReady[index] = false;
    worker.on('message', (message: SinkWorkerMessage) => this.apply(index, message));
    const started = new Promise<void>((resolve) => {
      worker.on('message', (message: SinkWorkerMessage) => message.type === 'started' && resolve());
      worker.once('exit', () => resolve());
    });
    worker.on('error', (error) => this.logger.error({ err: error, thread: index }, 'a history sink thread failed'));
    worker.on('exit', (code) => {
      this.workers[index] = undefined;
      this.redisReady[index] = false;
      if (this.stopping) return;
      this.logger.error({ thread: index, code, restart_in_ms: RESTART_DELAY_MS }, 'a history sink thread stopped; its batch stays pending in Redis');
      setTimeout(() => {
        if (!this.stopping) void this.startThread(index);
      }, RESTART_DELAY_MS).unref();
    });
    return started;
  }

  private apply(index: number, message: SinkWorkerMessage): void {
    switch (message.type) {
      case 'batch':
        this.metrics.batchWritten(new Map(message.rowsByTable), message.files, message.bytes, message.redone);
        break;
      case 'pass-failed':
        this.metrics.passFailed();
        break;
      case 'trimmed':
        this.metrics.trimmedBeforeRead();
        break;
      case 'backlog':
        this.metrics.backlogMeasured(message.records);
        break;
      case 'redis':
        this.redisReady[index] = message.ready;
        break;
      case 'started':
        break;
    }
  }
}
