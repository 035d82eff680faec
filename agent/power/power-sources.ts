import type { PowerSource } from './power-source.js';
import type { CommonSourceSettings, FlagSpec, PowerSourcePlugin } from './power-source-plugin.js';
import { hwmonPlugin } from './sources/hwmon/hwmon-plugin.js';
import { ipmiDcmiPlugin } from './sources/ipmi-dcmi/ipmi-dcmi-plugin.js';
import { ipmiSdrPlugin } from './sources/ipmi-sdr/ipmi-sdr-plugin.js';
import { nvidiaPlugin } from './sources/nvidia/nvidia-plugin.js';
import { raplPlugin } from './sources/rapl/rapl-plugin.js';
import { simulatedDcmiPlugin } from './sources/simulated-dcmi/simulated-dcmi-plugin.js';

/**
 * Every power source, one line each, closest to the wall first: that order
 * is the preference for a run's energy columns. Adding a source is adding
 * its folder under sources/ and a line here; the config's names, flags and
 * help come from this list.
 */
export const powerSourcePlugins = [
  ipmiDcmiPlugin,
  simulatedDcmiPlugin,
  ipmiSdrPlugin,
  hwmonPlugin,
  raplPlugin,
  nvidiaPlugin,
] as const satisfies readonly PowerSourcePlugin[];

/** Each source's option shape, all together: the config's types stay exact. */
type Intersection<U> = (U extends unknown ? (part: U) => void : never) extends (whole: infer I) => void ? I : never;
type PowerSourceOptions = Intersection<(typeof powerSourcePlugins)[number]['options']>;

export const powerSourceNames = powerSourcePlugins.map((plugin) => plugin.name) as [string, ...string[]];

/** The sources that can stand for the node's power, in order of preference. */
export const primaryOrder = powerSourcePlugins.filter((plugin) => plugin.canBePrimary).map((plugin) => plugin.name) as [string, ...string[]];

/** Every source's options (those shared, like IPMI's, once). */
export const powerSourceOptions = Object.assign({}, ...powerSourcePlugins.map((plugin) => plugin.options)) as PowerSourceOptions;

export const powerSourceFlags: Readonly<Record<string, FlagSpec>> = Object.assign({}, ...powerSourcePlugins.map((plugin) => plugin.flags)) as Record<
  string,
  FlagSpec
>;

/** The sources' own help lines, each block once, in the list's order. */
export const powerSourcesHelp = [...new Set(powerSourcePlugins.flatMap((plugin) => plugin.help))].join('');

/** "auto": every real source (those that do not work here say why and stay out); "none": no power. */
export function selectedSourceNames(selection: readonly string[]): string[] {
  if (selection.includes('none')) return [];
  if (!selection.includes('auto')) return [...selection];
  const automatic = powerSourcePlugins.filter((plugin: PowerSourcePlugin) => plugin.onlyWhenNamed !== true).map((plugin) => plugin.name);
  return [...new Set([...automatic, ...selection.filter((name) => name !== 'auto')])];
}

export function createPowerSources(selection: readonly string[], options: Readonly<Record<string, unknown>>, common: CommonSourceSettings): PowerSource[] {
  return selectedSourceNames(selection).map((name) => {
    const plugin: PowerSourcePlugin | undefined = powerSourcePlugins.find((p) => p.name === name);
    if (plugin === undefined) throw new Error(`unknown power source "${name}"; sources: ${powerSourceNames.join(', ')}, auto, none`);
    return plugin.create(options, common);
  });
}
