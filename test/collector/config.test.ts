import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadExportConfig, loadServeConfig } from '../../collector/config.js';

describe('collector configuration', () => {
  it('defaults to loopback ports and a local Redis', () => {
    const loaded = loadServeConfig([], {});
    assert.ok(!loaded.help);
    assert.deepEqual(
      [loaded.config.grpc_listen, loaded.config.metrics_listen, loaded.config.redis],
      ['127.0.0.1:50051', '127.0.0.1:9464', 'redis://127.0.0.1:6379'],
    );
  });

  it('refuses plaintext gRPC on a non-loopback address unless --insecure', () => {
    assert.throws(
      () => loadServeConfig(['--grpc-listen', '0.0.0.0:50051'], {}),
      /grpc-listen: 0\.0\.0\.0:50051 is not a loopback address, and plaintext from the network is refused\. Enable TLS with --tls-cert FILE --tls-key FILE .* or pass --insecure/,
    );
    const loaded = loadServeConfig(['--grpc-listen', '0.0.0.0:50051', '--insecure'], {});
    assert.ok(!loaded.help && loaded.config.insecure);
  });

  it('takes the environment under the flags', () => {
    const loaded = loadServeConfig(['--redis', 'redis://flag:1'], { POWERPROF_REDIS: 'redis://env:2', POWERPROF_RETENTION_MAXLEN: '500' });
    assert.ok(!loaded.help);
    assert.deepEqual([loaded.config.redis, loaded.config.retention_maxlen], ['redis://flag:1', 500]);
  });

  it('export needs --out', () => {
    assert.throws(() => loadExportConfig([], {}), /out: Required/);
    assert.throws(() => loadExportConfig(['--out', 'x', '--redis', 'http://x'], {}), /redis: must be a redis:\/\/ or rediss:\/\/ URL/);
  });
});
