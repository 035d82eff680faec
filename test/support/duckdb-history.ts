import { DuckDBInstance } from '@duckdb/node-api';

/**
 * Reads the sink's Parquet history with DuckDB, a reader that shares no code
 * with powerprof's (the way a user's engine would read it): the partition
 * columns (table, node, date) come from the folder names.
 */
export async function queryHistory(dir: string, table: string, select: string): Promise<Array<Record<string, unknown>>> {
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  try {
    const glob = `${dir}/table=${table}/*/*/*.parquet`.replaceAll("'", "''");
    const sql = select.replaceAll('HISTORY', `read_parquet('${glob}', hive_partitioning = true)`);
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJS();
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
