import { statSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { loadRecordCheck } from '../../proto/record-check.js';
import { loadRecordCodec } from '../../proto/record-codec.js';
import type { NodeInfo } from '../../proto/records.js';
import { UsageError } from '../usage-error.js';
import { Spool } from '../spool/spool.js';
import { channelSecurity, type TransportSettings } from './channel-security.js';
import { collectorClient, type CollectorClient } from './collector-client.js';
import { RecordShipper } from './record-shipper.js';

export interface DeliverySettings {
  transport: TransportSettings;
  /** The spool root: a node's spool is SPOOL/NODE_ID. */
  spool: string;
  spoolMaxBytes: number;
  spoolFsync: 'runs' | 'always';
  retryMaxS: number;
}

export interface Delivery {
  spool: Spool;
  shipper: RecordShipper;
  /** The connection to the collector, which the daemon's Jobs stream shares; closed by finish(). */
  client: CollectorClient;
  /** Waits up to timeoutS for the collector to ack everything, then closes; says what is left. */
  finish(timeoutS: number): Promise<{ delivered: boolean; pending: number }>;
}

/**
 * A record waits for others to share its batch until SHIP_BATCH_TARGET_RECORDS
 * wait, or for SHIP_LINGER_MS at most. A live agent makes 11 records a second
 * and sends about one batch a second: in one batch a second instead of five,
 * the collector spends about a third less CPU per record (measured at 1,000
 * live agents, `npm run bench`). An agent sampling power alone (1 record a
 * second) sends a batch every 5 s: a batch costs it a gRPC round trip and a
 * spool read, and a batch a second took a quarter of its CPU (2.8 against
 * 2.1 ms a second, runs of 40 s, 2026-12-01); 5 s is still within
 * Prometheus's scrape interval.
 */
export const SHIP_LINGER_MS = 5_000;
export const SHIP_BATCH_TARGET_RECORDS = 10;

/** The longest an unacknowledged sample waits for its fsync (docs/guarantees.md). */
const SPOOL_SYNC_INTERVAL_MS = 2_000;

/**
 * Spool then ship: the node's spool directory is SPOOL/NODE_ID, so node ids
 * never share one. The shipper connects once started (shipper.start()).
 */
export function openDelivery(settings: DeliverySettings, nodeInfo: NodeInfo, logger: Logger): Delivery {
  const security = channelSecurity(settings.transport);
  const spool = openSpool(settings, nodeInfo.node_id, logger);
  const client = collectorClient(settings.transport.collector, security);
  const shipper = new RecordShipper({
    client,
    nodeInfo,
    logger: logger.child({ component: 'shipper' }),
    spool,
    maxRecordsPerBatch: 500,
    maxBatchBytes: 1024 * 1024,
    maxBatchesInFlight: 8,
    lingerMs: SHIP_LINGER_MS,
    batchTargetRecords: SHIP_BATCH_TARGET_RECORDS,
    backoffInitialMs: 200,
    backoffMaxMs: settings.retryMaxS * 1000,
    helloTimeoutMs: 5_000,
  });
  return {
    spool,
    shipper,
    client,
    finish: async (timeoutS) => {
      const delivered = await shipper.flush(timeoutS * 1000);
      shipper.shutdown();
      client.close();
      const pending = delivered ? 0 : spool.countPending();
      spool.close();
      return { delivered, pending };
    },
  };
}

function openSpool(settings: DeliverySettings, nodeId: string, logger: Logger): Spool {
  const directory = join(settings.spool, nodeId);
  try {
    return Spool.open({
      directory,
      nodeId,
      maxBytes: settings.spoolMaxBytes,
      fsync: settings.spoolFsync,
      syncIntervalMs: SPOOL_SYNC_INTERVAL_MS,
      codec: loadRecordCodec(),
      check: loadRecordCheck(),
      logger: logger.child({ component: 'spool' }),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      throw new UsageError(`cannot write the spool ${directory} (${code}): give --spool a directory this user may write, or run as the powerprof service user`);
    }
    if (code === 'ENOTDIR' || code === 'EEXIST') {
      throw new UsageError(`cannot make the spool ${directory}: ${fileInTheWay(directory)} is a file, not a directory; give --spool a directory`);
    }
    throw error;
  }
}

/** The first part of the path that exists and is not a directory. */
function fileInTheWay(path: string): string {
  let prefix = path.startsWith('/') ? '/' : '';
  for (const part of path.split('/').filter((segment) => segment !== '')) {
    prefix = join(prefix, part);
    try {
      if (!statSync(prefix).isDirectory()) return prefix;
    } catch {
      break;
    }
  }
  return path;
}
