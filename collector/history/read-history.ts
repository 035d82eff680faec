import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { compareStreamIds, HISTORY_TABLES, rangeOfFileName, type HistoryTable } from './history-layout.js';
import type { NodeRecord } from './history-table.js';
import { tableNamed } from './history-tables.js';
import { decodeTableFile } from './parquet-table-file.js';

/**
 * Every record in a Parquet history folder (the sink's --dir), per node in
 * stream order: the same records, with the same IDs, that the node's stream
 * held before the sink trimmed them. Hidden temporary files and anything not
 * named like a history file are not read. A missing folder is an error that
 * says so (a typo must not look like an empty history).
 */
export async function readHistory(root: string): Promise<Map<string, NodeRecord[]>> {
  const tables = await subfolders(root, 'table=');
  if (tables === undefined) throw new Error(`no history folder at ${root} (the sink's --dir)`);
  const byNode = new Map<string, NodeRecord[]>();
  for (const tableName of tables) {
    if (!(HISTORY_TABLES as readonly string[]).includes(tableName)) continue;
    const table = tableNamed(tableName as HistoryTable);
    const tableDir = join(root, `table=${tableName}`);
    for (const node of (await subfolders(tableDir, 'node=')) ?? []) {
      const nodeDir = join(tableDir, `node=${node}`);
      const records = byNode.get(node) ?? [];
      byNode.set(node, records);
      for (const date of (await subfolders(nodeDir, 'date=')) ?? []) {
        const dateDir = join(nodeDir, `date=${date}`);
        for (const name of await readdir(dateDir)) {
          if (rangeOfFileName(name) === undefined) continue;
          const path = join(dateDir, name);
          try {
            records.push(...table.recordsOf(await decodeTableFile(table, await readFile(path))));
          } catch (error) {
            throw new Error(`cannot read history file ${path}: ${(error as Error).message}`, { cause: error });
          }
        }
      }
    }
  }
  for (const records of byNode.values()) records.sort((a, b) => compareStreamIds(a.record.id, b.record.id));
  return byNode;
}

/** The values of a folder's "PREFIX=value" subfolders; undefined when the folder is not there. */
async function subfolders(folder: string, prefix: string): Promise<string[] | undefined> {
  let entries;
  try {
    entries = await readdir(folder, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  return entries
    .filter((entry) => entry.isDirectory() && entry.name.startsWith(prefix))
    .map((entry) => entry.name.slice(prefix.length))
    .sort();
}
