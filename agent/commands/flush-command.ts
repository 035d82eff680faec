import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { FlushConfig } from '../config.js';
import { collectNodeInfo } from '../node-info/collect-node-info.js';
import { openDelivery } from '../transport/delivery.js';
import { deliverySettings } from './command-settings.js';

/** `powerprof-agent flush`: send what the node's spool holds to the collector, then exit. */
export async function flushCommand(config: FlushConfig, logger: Logger, interrupt: AbortSignal): Promise<number> {
  const directory = join(config.spool, config.node_id);
  if (!existsSync(directory)) {
    // Nothing was ever spooled under this name; a typo in --node-id or --spool looks the same, so say where we looked.
    logger.info(
      { spool: directory },
      `no spool for node "${config.node_id}" here: nothing to send (an agent keeps a node's spool in --spool DIR/NODE_ID; check --node-id and --spool)`,
    );
    return 0;
  }
  const nodeInfo = await collectNodeInfo(config.node_id, '', logger);
  const delivery = openDelivery(deliverySettings(config), nodeInfo, logger);
  const waiting = delivery.spool.pendingWhenOpened;
  if (waiting === 0) {
    await delivery.finish(0);
    logger.info({ spool: directory }, 'the spool holds nothing to send: everything in it was delivered before');
    return 0;
  }
  logger.info({ spool: directory, records: waiting }, 'sending the spool');
  delivery.shipper.start();
  const stopped = new Promise<void>((resolve) => interrupt.addEventListener('abort', () => resolve(), { once: true }));
  await Promise.race([delivery.shipper.flush(config.flush_timeout * 1000), stopped]);
  const { delivered, pending } = await delivery.finish(0);
  const { stats } = delivery.shipper;
  if (!delivered) {
    logger.error(
      { collector: config.collector, undelivered: pending, err: delivery.shipper.lastDeliveryError },
      'records still in the spool after the flush timeout',
    );
    return interrupt.aborted ? 130 : 1;
  }
  logger.info({ delivered: stats.ackedRecords, refused: stats.rejectedRecords, dropped: delivery.spool.dropped }, 'spool delivered');
  return 0;
}
