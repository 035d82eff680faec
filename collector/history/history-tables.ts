import type { RecordKind } from '../../proto/records.js';
import type { HistoryTable } from './history-layout.js';
import type { HistoryTableDefinition } from './history-table.js';
import { countersTable } from './tables/counters-table.js';
import { nodeInfoTable } from './tables/node-info-table.js';
import { powerTable } from './tables/power-table.js';
import { runsTable } from './tables/runs-table.js';
import { statusTable } from './tables/status-table.js';

/** The history's tables, listed once: every record kind has exactly one. */
export const historyTables: readonly HistoryTableDefinition[] = [runsTable, powerTable, countersTable, nodeInfoTable, statusTable];

const byKind = new Map<RecordKind, HistoryTableDefinition>(historyTables.flatMap((table) => table.kinds.map((kind) => [kind, table] as const)));
const byName = new Map<HistoryTable, HistoryTableDefinition>(historyTables.map((table) => [table.name, table]));

/** The table a record kind goes to; a kind this collector does not know (from a newer one) goes to status, as JSON. */
export function tableOfKind(kind: RecordKind): HistoryTableDefinition {
  return byKind.get(kind) ?? statusTable;
}

export function tableNamed(name: HistoryTable): HistoryTableDefinition {
  return byName.get(name)!;
}
