import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../support/free-port.js';
import { collectorMain, runNode, serveArgs, startNode } from '../support/node-processes.js';
import { useRedisServer } from '../support/redis-server.js';

/** Holds a loopback port, as another program would. */
async function holdPort(): Promise<{ port: number; server: Server }> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, server };
}

describe('powerprof-collector serve: starting', () => {
  const redis = useRedisServer();

  for (const which of ['gRPC', 'metrics'] as const) {
    it(`exits 1 at once, saying so, when the ${which} port is taken (systemd then restarts it and shows why)`, async () => {
      const taken = await holdPort();
      try {
        const other = String(await freePort());
        const [grpc, metrics] = which === 'gRPC' ? [String(taken.port), other] : [other, String(taken.port)];
        const started = Date.now();
        const collector = await runNode(collectorMain, serveArgs(grpc, metrics, redis.server.url), { timeoutMs: 20_000 });
        assert.equal(collector.code, 1, collector.stderr);
        assert.match(collector.stderr, new RegExp(`cannot listen for ${which} on 127\\.0\\.0\\.1:${taken.port}: the port is in use by another process`));
        assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms to give up`);
      } finally {
        taken.server.close();
      }
    });
  }

  it('starts without warnings when Redis is there', async () => {
    const collector = startNode(collectorMain, serveArgs(await freePort(), await freePort(), redis.server.url, '--log-level', 'info'));
    try {
      await collector.waitFor(/collector serving/);
      await new Promise((resolve) => setTimeout(resolve, 1_500)); // the jobs watch has connected and read once
      const warnings = collector
        .output()
        .split('\n')
        .filter((line) => /"level":(40|50)/.test(line));
      assert.deepEqual(warnings, []);
    } finally {
      await collector.stop();
    }
  });

  it('a malformed tokens file stops the start with a sentence that says where and what', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'powerprof-tokens-')), 'tokens.yaml');
    writeFileSync(path, 'tokens:\n  - sha256: abc\n   nodes: [x]\n', { mode: 0o600 });
    const collector = await runNode(
      collectorMain,
      ['serve', '--tokens-file', path, '--grpc-listen', '127.0.0.1:0', '--metrics-listen', '127.0.0.1:0', '--redis', redis.server.url],
      { timeoutMs: 20_000 },
    );
    assert.equal(collector.code, 1);
    assert.match(collector.stderr, /cannot read the tokens file ".*tokens\.yaml": not valid YAML: .* at line 3, column \d+ \(it reads "tokens:"/);
  });

  it('closes a connection that never finishes the HTTP/2 handshake, once it does not answer a ping', async () => {
    const port = await freePort();
    const collector = startNode(collectorMain, serveArgs(port, await freePort(), redis.server.url, '--keepalive-s', '1'));
    try {
      await collector.waitFor(/collector serving/);
      const started = Date.now();
      const closedAfterMs = await new Promise<number>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        socket.on('data', () => undefined); // read (and ignore) what the server says, as a silent peer would
        socket.on('close', () => resolve(Date.now() - started));
        setTimeout(() => reject(new Error('still open after 15 s')), 15_000).unref();
      });
      assert.ok(closedAfterMs >= 900, `closed after ${closedAfterMs} ms: not before the first ping was due`);
    } finally {
      await collector.stop();
    }
  });
});
