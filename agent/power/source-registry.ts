import type { IpmiConnection } from './ipmitool.js';
import { ipmitoolRunner, type IpmitoolSession } from './ipmitool-runner.js';
import type { PowerSource } from './power-source.js';
import { hwmonSource } from './sources/hwmon-source.js';
import { ipmiDcmiSource } from './sources/ipmi-dcmi-source.js';
import { ipmiSdrSource } from './sources/ipmi-sdr-source.js';
import { nvidiaSource } from './sources/nvidia-source.js';
import { raplSource } from './sources/rapl-source.js';

export interface PowerSourceSettings {
  sysfsRoot: string;
  ipmi: IpmiConnection;
  ipmiSession: IpmitoolSession;
  sdrSensors: readonly string[];
  nvidiaSmiPath: string;
  periodMs: number;
}

/** Every source, by name, explicitly: importing a module registers nothing. */
const factories: Record<string, (settings: PowerSourceSettings) => PowerSource> = {
  'ipmi-dcmi': (s) => ipmiDcmiSource(ipmitoolRunner(s.ipmi, s.ipmiSession)),
  'ipmi-sdr': (s) => ipmiSdrSource(ipmitoolRunner(s.ipmi, s.ipmiSession), s.sdrSensors),
  hwmon: (s) => hwmonSource(s.sysfsRoot),
  rapl: (s) => raplSource(s.sysfsRoot),
  nvidia: (s) => nvidiaSource(s.nvidiaSmiPath, s.periodMs),
};

export const powerSourceNames = Object.keys(factories);

/** "auto": every source (those that do not work here say why and stay out); "none": no power. */
export function selectedSourceNames(selection: readonly string[]): string[] {
  if (selection.includes('none')) return [];
  return selection.includes('auto') ? powerSourceNames : [...selection];
}

export function createPowerSources(selection: readonly string[], settings: PowerSourceSettings): PowerSource[] {
  return selectedSourceNames(selection).map((name) => {
    const factory = factories[name];
    if (factory === undefined) throw new Error(`unknown power source "${name}"; sources: ${powerSourceNames.join(', ')}, auto, none`);
    return factory(settings);
  });
}
