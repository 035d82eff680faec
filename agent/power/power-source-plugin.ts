import type { z } from 'zod';
import type { PowerSource } from './power-source.js';

/** What every source is given besides its own options. */
export interface CommonSourceSettings {
  sysfsRoot: string;
  periodMs: number;
  timeoutMs: number;
}

/** A command-line flag, as node:util's parseArgs takes it. */
export type FlagSpec = { type: 'string' } | { type: 'boolean' };

/**
 * A power source as the agent knows it: its name, its options (a zod
 * fragment with snake_case keys, the config file's and POWERPROF_*'s names),
 * their flags and --help lines, whether it can give a run its energy
 * columns, and its factory. The list in power-sources.ts derives the config
 * enum, the flag table, the help text and the primary order from these.
 */
export interface PowerSourcePlugin<Shape extends z.ZodRawShape = z.ZodRawShape> {
  readonly name: string;
  /** Whether it can stand for the node's power in a run's energy columns; the list's order is the preference. */
  readonly canBePrimary: boolean;
  /** Only when named: "--power auto" leaves it out (a simulated source must never stand in for a meter unasked). */
  readonly onlyWhenNamed?: boolean;
  readonly options: Shape;
  readonly flags: Readonly<Record<string, FlagSpec>>;
  /** Help lines for its options, each block once however many sources share it (IPMI's). */
  readonly help: readonly string[];
  /** Builds the source from the whole validated option set; it reads only its own keys. */
  create(options: Readonly<Record<string, unknown>>, common: CommonSourceSettings): PowerSource;
}

/**
 * A plugin whose factory sees its own options typed: the fragment's
 * z.infer. The options arrive validated by the agent's config.
 */
export function definePowerSource<Shape extends z.ZodRawShape>(plugin: {
  name: string;
  canBePrimary: boolean;
  onlyWhenNamed?: boolean;
  options: Shape;
  flags: Readonly<Record<string, FlagSpec>>;
  help: readonly string[];
  create(options: z.infer<z.ZodObject<Shape>>, common: CommonSourceSettings): PowerSource;
}): PowerSourcePlugin<Shape> {
  return { ...plugin, create: (options, common) => plugin.create(options as z.infer<z.ZodObject<Shape>>, common) };
}
