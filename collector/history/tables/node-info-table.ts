import type { NodeInfo } from '../../../proto/records.js';
import { appendRow, column, ENTRY_COLUMNS, entryOf, knownTime, type HistoryTableDefinition } from '../history-table.js';

/** One row per node description an agent sent (at each start): what the report's Nodes table shows. */
export const nodeInfoTable: HistoryTableDefinition = {
  name: 'node_info',
  kinds: ['node_info'],
  columns: [
    column('node', 'STRING'),
    column('time', 'TIMESTAMP', true),
    column('hostname', 'STRING'),
    column('arch', 'STRING'),
    column('cpu_model', 'STRING'),
    column('online_cpus', 'INT32'),
    column('kernel', 'STRING'),
    column('perf_version', 'STRING'),
    column('agent_version', 'STRING'),
    column('pmu_emulation', 'STRING'),
    column('record', 'JSON'),
    ...ENTRY_COLUMNS,
  ],
  appendRows(entry, columns) {
    const info = entry.record.data as NodeInfo;
    appendRow(columns, {
      node: entry.node,
      time: knownTime(info.time_unix_ms),
      hostname: info.hostname,
      arch: info.arch,
      cpu_model: info.cpu_model,
      online_cpus: info.online_cpus,
      kernel: info.kernel,
      perf_version: info.perf_version,
      agent_version: info.agent_version,
      pmu_emulation: info.pmu_emulation,
      record: info,
      stream_id: entry.record.id,
      seq: entry.record.seq,
    });
  },
  recordsOf(rows) {
    return rows.map((row) => ({ node: row.node as string, record: entryOf(row, 'node_info', row.record) }));
  },
};
