import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { INGEST_METHOD_PATHS } from '../../../agent/transport/collector-client.js';
import { loadIngestProto } from '../../../proto/load-ingest-proto.js';
import { messageCodec } from '../../../proto/message-codec.js';
import type { NodeInfo } from '../../../proto/records.js';
import { sampleNodeInfo } from '../../proto/sample-records.js';

/**
 * The agent's client names the Ingest methods and codes their messages
 * itself (no .proto loader at start-up); the collector serves them from
 * @grpc/proto-loader's definition. Both must agree, message by message.
 */
describe("the agent's collector client against the loader's service definition", () => {
  const service = loadIngestProto().Ingest.service;

  it('names every Ingest method as the loader does', () => {
    assert.deepEqual(Object.fromEntries(Object.entries(service).map(([name, method]) => [name, method.path])), INGEST_METHOD_PATHS);
  });

  it("codes each method's messages byte for byte as the loader does, and decodes to the same objects", () => {
    const info = sampleNodeInfo('node-a');
    const ours = messageCodec<NodeInfo, NodeInfo>('NodeInfo');
    const bytes = ours.serialize(info);
    assert.deepEqual(bytes, service.Hello.requestSerialize(info));
    assert.deepEqual(ours.deserialize(bytes), service.Hello.requestDeserialize(bytes));
    const reply = { collector_version: '0.1.0', last_seq: 2 ** 40 + 3, max_batch_bytes: 4 << 20, max_records_per_batch: 5000 };
    const replyBytes = service.Hello.responseSerialize(reply);
    assert.deepEqual(messageCodec<object, unknown>('HelloReply').deserialize(replyBytes), service.Hello.responseDeserialize(replyBytes));
    const request = { node_id: 'n1', workloads: ['resnet50', 'mlp'] };
    assert.deepEqual(messageCodec<object, unknown>('JobsRequest').serialize(request), service.Jobs.requestSerialize(request));
    const job = { job_id: 'j1', workload: 'resnet50', repeat: 3, events: ['cycles', 'instructions'], created_unix_ms: 1_764_000_000_123 };
    const jobBytes = service.Jobs.responseSerialize(job);
    assert.deepEqual(messageCodec<object, unknown>('Job').deserialize(jobBytes), service.Jobs.responseDeserialize(jobBytes));
    const ack = { seq: 7, code: 8, message: 'slow down', retry_after_ms: 1500, last_seq: 6 };
    const ackBytes = service.Push.responseSerialize(ack);
    assert.deepEqual(messageCodec<object, unknown>('Ack').deserialize(ackBytes), service.Push.responseDeserialize(ackBytes));
  });
});
