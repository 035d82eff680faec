import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { startIpmiSim, type IpmiSim } from './ipmi-sim.js';

/**
 * The demo's simulated BMC: OpenIPMI's ipmi_sim answering DCMI power
 * readings whose watts follow this machine's CPU utilisation — an idle floor
 * plus a part proportional to load — with the minimum, maximum and average
 * over a sliding window, as a BMC reports them. The agent reads it through
 * the real ipmitool over lanplus, exactly as on a server; its source is named
 * simulated-dcmi so that nothing downstream mistakes it for a measurement.
 */
export interface SimulatedBmc {
  sim: IpmiSim;
  idleWatts: number;
  loadWatts: number;
  stop(): Promise<void>;
}

export interface PowerModel {
  idleWatts: number;
  /** Added at 100 % utilisation of every CPU. */
  loadWatts: number;
  /** DCMI's statistics window: min, max and average over this many seconds. */
  windowS: number;
  /** How often the model reads /proc/stat and updates the reading. */
  stepMs: number;
}

export const DEMO_POWER_MODEL: PowerModel = { idleWatts: 120, loadWatts: 200, windowS: 5, stepMs: 250 };

/** Busy and total jiffies of all CPUs together, from /proc/stat's first line. */
export function cpuJiffies(procStat: string): { busy: number; total: number } {
  const fields = procStat.split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal (guest time is already in user and nice)
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

/** What the BMC reports for a window of instantaneous watts: now, min, max, average, window length. */
export function dcmiReading(window: readonly number[], windowMs: number): string {
  const now = window.at(-1) ?? 0;
  const average = window.reduce((sum, watts) => sum + watts, 0) / Math.max(window.length, 1);
  return `${Math.round(now)} ${Math.round(Math.min(...window))} ${Math.round(Math.max(...window))} ${Math.round(average)} ${windowMs}`;
}

export async function startSimulatedBmc(model: PowerModel = DEMO_POWER_MODEL): Promise<SimulatedBmc> {
  const sim = await startIpmiSim();
  const window: number[] = [];
  let last = cpuJiffies(readFileSync('/proc/stat', 'utf8'));
  const step = (): void => {
    const now = cpuJiffies(readFileSync('/proc/stat', 'utf8'));
    const utilisation = now.total > last.total ? Math.min(1, Math.max(0, (now.busy - last.busy) / (now.total - last.total))) : 0;
    last = now;
    window.push(model.idleWatts + utilisation * model.loadWatts);
    while (window.length > (model.windowS * 1000) / model.stepMs) window.shift();
    // Written whole and renamed: the plugin never reads half a line.
    writeFileSync(`${sim.dcmiFile}.new`, `${dcmiReading(window, model.windowS * 1000)}\n`);
    renameSync(`${sim.dcmiFile}.new`, sim.dcmiFile);
  };
  step();
  const timer = setInterval(step, model.stepMs);
  return {
    sim,
    idleWatts: model.idleWatts,
    loadWatts: model.loadWatts,
    stop: async () => {
      clearInterval(timer);
      await sim.stop();
    },
  };
}
