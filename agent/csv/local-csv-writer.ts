import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { countersCsv, powerCsv, runsCsv, type NodeCounterInterval, type NodePowerSample, type NodeRun } from '../../proto/csv-tables.js';

/**
 * The agent's own copy of what it measured (--csv DIR), in the collector
 * export's columns. Power samples and counter intervals are appended as they
 * come (their columns are fixed), so a killed agent leaves every row it got
 * to; runs.csv, whose columns grow with the events and workload metrics
 * seen, is rewritten whole after each run, through a rename.
 */
export class LocalCsvWriter {
  private readonly runs: NodeRun[] = [];
  private readonly powerPath: string;
  private readonly countersPath: string;

  constructor(private readonly directory: string) {
    mkdirSync(directory, { recursive: true });
    this.powerPath = join(directory, 'power.csv');
    this.countersPath = join(directory, 'counters.csv');
    writeFileSync(this.powerPath, powerCsv([]));
    writeFileSync(this.countersPath, countersCsv([]));
    this.writeRuns();
  }

  addRun(entry: NodeRun): void {
    this.runs.push(entry);
    this.writeRuns();
  }

  addSample(entry: NodePowerSample): void {
    appendFileSync(this.powerPath, powerCsv([entry], { header: false }));
  }

  addInterval(entry: NodeCounterInterval): void {
    appendFileSync(this.countersPath, countersCsv([entry], { header: false }));
  }

  private writeRuns(): void {
    const path = join(this.directory, 'runs.csv');
    writeFileSync(`${path}.tmp`, runsCsv(this.runs));
    renameSync(`${path}.tmp`, path);
  }
}
