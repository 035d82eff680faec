import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { syncDirectory, syncFile } from './durable-file.js';

/**
 * What the spool keeps beside its segments (state.json), so that seq and the
 * counts survive restarts even when every segment has been acked and removed.
 * Written whole through a rename, and synced, so it is either old or new.
 */
const stateSchema = z.object({
  version: z.literal(1),
  node_id: z.string(),
  /** Seqs are seq_base + 1, + 2, ...: produced = last_seq - seq_base. */
  seq_base: z.number().int().nonnegative(),
  last_seq: z.number().int().nonnegative(),
  acked_through: z.number().int().nonnegative(),
  /** Added to every seq on the wire; non-zero only in spools from before epochs that found the collector ahead of them. */
  seq_offset: z.number().int().nonnegative(),
  /**
   * The spool instance its seqs belong to (sent in Hello and every batch):
   * chosen at random when the spool is created, and again whenever the
   * collector's mark for it is beyond anything this spool numbered. 0 in
   * spools from before epochs, until that happens.
   */
  epoch: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0),
  /** acked_through when the epoch began: what was acked before is in another epoch's scope. */
  epoch_began_after: z.number().int().nonnegative().default(0),
  /** Records the spool refused by the record rules (never numbered), since it was created. */
  refused: z.number().int().nonnegative().default(0),
  dropped: z.number().int().nonnegative(),
  torn_bytes: z.number().int().nonnegative(),
  /** A compaction whose count is in `dropped` but whose rewritten segment may not be in place yet. */
  compacting: z.string().optional(),
});

export type SpoolState = z.infer<typeof stateSchema>;

export const STATE_FILE = 'state.json';

export function freshState(nodeId: string, nowUnixMs: number): SpoolState {
  // Starting at the clock (in thousandths of a ms) keeps a recreated spool's seqs above its
  // predecessor's, so the collector does not take its records for ones already written.
  // (Epochs make that unneeded for collectors that know them; an older collector still relies on it.)
  const seqBase = nowUnixMs * 1000;
  return {
    version: 1,
    node_id: nodeId,
    seq_base: seqBase,
    last_seq: seqBase,
    acked_through: seqBase,
    seq_offset: 0,
    epoch: newEpoch(),
    epoch_began_after: seqBase,
    refused: 0,
    dropped: 0,
    torn_bytes: 0,
  };
}

/** A spool epoch: random, 1 .. 2^53-1, so that it travels exactly as a number. */
export function newEpoch(): number {
  const bytes = randomBytes(8);
  const value = (bytes.readUInt32BE(0) >>> 11) * 2 ** 32 + bytes.readUInt32BE(4); // 21 + 32 bits
  return value === 0 ? 1 : value;
}

/** The state, or undefined for a new spool; a damaged file is an error that says where. */
export function readState(directory: string): SpoolState | undefined {
  const path = join(directory, STATE_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error(`spool state ${path} is not JSON; move the spool directory aside to start a new one`);
  }
  const checked = stateSchema.safeParse(parsed);
  if (!checked.success)
    throw new Error(`spool state ${path} is not valid (${checked.error.issues[0]!.message}); move the spool directory aside to start a new one`);
  return checked.data;
}

export function writeState(directory: string, state: SpoolState): void {
  const path = join(directory, STATE_FILE);
  const temporary = `${path}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state)}\n`);
  syncFile(temporary);
  renameSync(temporary, path);
  syncDirectory(dirname(path));
}
