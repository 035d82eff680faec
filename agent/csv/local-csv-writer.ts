import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countersCsv, powerCsv, runsCsv, type NodeCounterInterval, type NodePowerSample, type NodeRun } from '../../proto/csv-tables.js';

/**
 * The agent's own copy of what it measured (--csv DIR), in the collector
 * export's columns. runs.csv is rewritten whole after each run, through a
 * rename, so an interrupted experiment still leaves complete files; counter
 * intervals and power samples are written with the next run, and at close().
 */
export class LocalCsvWriter {
  private readonly runs: NodeRun[] = [];
  private readonly samples: NodePowerSample[] = [];
  private readonly intervals: NodeCounterInterval[] = [];

  constructor(private readonly directory: string) {
    mkdirSync(directory, { recursive: true });
    this.write();
  }

  addRun(entry: NodeRun): void {
    this.runs.push(entry);
    this.write();
  }

  addSample(entry: NodePowerSample): void {
    this.samples.push(entry);
  }

  addInterval(entry: NodeCounterInterval): void {
    this.intervals.push(entry);
  }

  close(): void {
    this.write();
  }

  private write(): void {
    writeAtomically(join(this.directory, 'runs.csv'), runsCsv(this.runs));
    writeAtomically(join(this.directory, 'power.csv'), powerCsv(this.samples));
    writeAtomically(join(this.directory, 'counters.csv'), countersCsv(this.intervals));
  }
}

function writeAtomically(path: string, text: string): void {
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}
