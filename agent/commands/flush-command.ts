import type { Logger } from 'pino';
import type { IngestPackage } from '../../proto/load-ingest-proto.js';
import type { FlushConfig } from '../config.js';
import { collectNodeInfo } from '../node-info/collect-node-info.js';
import { startDelivery } from '../transport/delivery.js';

/** `powerprof-agent flush`: send what the node's spool holds to the collector, then exit. */
export async function flushCommand(config: FlushConfig, logger: Logger, proto: IngestPackage, interrupt: AbortSignal): Promise<number> {
  const nodeInfo = await collectNodeInfo(config.node_id, '', logger);
  const delivery = startDelivery(config, nodeInfo, proto, logger);
  const waiting = delivery.spool.pendingWhenOpened;
  logger.info({ spool: delivery.spool.directory, records: waiting }, waiting === 0 ? 'the spool holds nothing to send' : 'sending the spool');
  const stopped = new Promise<void>((resolve) => interrupt.addEventListener('abort', () => resolve(), { once: true }));
  await Promise.race([delivery.shipper.flush(config.flush_timeout * 1000), stopped]);
  const { delivered, pending } = await delivery.finish(0);
  const { stats } = delivery.shipper;
  if (!delivered) {
    logger.error({ collector: config.collector, undelivered: pending, err: delivery.shipper.lastDeliveryError }, 'records still in the spool after the flush timeout');
    return interrupt.aborted ? 130 : 1;
  }
  logger.info({ delivered: stats.ackedRecords, refused: stats.rejectedRecords, dropped: delivery.spool.dropped }, 'spool delivered');
  return 0;
}
