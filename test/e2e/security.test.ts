import assert from 'node:assert/strict';
import { request } from 'node:https';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { Redis } from 'ioredis';
import { hashToken } from '../../collector/auth/token-file.js';
import { freePort } from '../support/free-port.js';
import { agentMain, type Background, collectorMain, runNode, serveArgs, startNode } from '../support/node-processes.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { storedRecord } from '../support/stored-records.js';
import { createTestPki, type TestPki } from '../support/test-pki.js';

function secretFile(path: string, text: string, mode = 0o600): string {
  writeFileSync(path, `${text}\n`);
  chmodSync(path, mode);
  return path;
}

/** GET over HTTPS trusting the test CA; status and body. */
function httpsGet(port: number, path: string, ca: Buffer, auth?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca, servername: 'localhost', ...(auth === undefined ? {} : { auth }) }, (response) => {
      let body = '';
      response.on('data', (chunk: Buffer) => (body += chunk.toString()));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('secure by default: agent and collector processes over mTLS and tokens', () => {
  let pki: TestPki;
  let redisServer: RedisServer;
  let collector: Background;
  let grpcPort: number;
  let metricsPort: number;
  const token = 'node-a-token-0123456789abcdef';

  before(async () => {
    pki = createTestPki();
    redisServer = await startRedisServer();
    [grpcPort, metricsPort] = [await freePort(), await freePort()];
    const tokens = join(pki.dir, 'tokens.yaml');
    writeFileSync(tokens, `tokens:\n  - sha256: ${hashToken(token)}\n    nodes: [node-a]\n`);
    const webConfig = join(pki.dir, 'web.yaml');
    writeFileSync(
      webConfig,
      `tls_server_config:\n  cert_file: collector.crt\n  key_file: collector.key\nbasic_auth_users:\n  prometheus: ${bcrypt.hashSync('scrape-secret', 4)}\n`,
    );
    collector = startNode(
      collectorMain,
      serveArgs(
        grpcPort,
        metricsPort,
        redisServer.url,
        '--tls-cert',
        pki.path('collector.crt'),
        '--tls-key',
        pki.path('collector.key'),
        '--tls-ca',
        pki.path('ca.crt'),
        '--tokens-file',
        tokens,
        '--web-config',
        webConfig,
      ),
    );
    await collector.waitFor(/collector serving/);
  });
  after(async () => {
    await collector.stop('SIGKILL');
    await redisServer.stop();
  });

  const tlsArgs = (): string[] => [
    '--tls-ca',
    pki.path('ca.crt'),
    '--tls-cert',
    pki.path('node-a.crt'),
    '--tls-key',
    pki.path('node-a.key'),
    '--tls-server-name',
    'localhost',
  ];

  it('an agent with its certificate and token delivers its runs', async () => {
    const agent = await runNode(agentMain, [
      'run',
      '--collector',
      `127.0.0.1:${grpcPort}`,
      '--node-id',
      'node-a',
      ...tlsArgs(),
      '--token-file',
      secretFile(join(pki.dir, 'a.token'), token),
      '--no-perf',
      '--',
      'true',
    ]);
    assert.equal(agent.code, 0, agent.stderr);
    const redis = new Redis(redisServer.url);
    try {
      assert.ok((await redis.xlen('powerprof:{node-a}:records')) >= 2);
    } finally {
      redis.disconnect();
    }
  });

  it('an agent writing as a node its certificate is not for is refused, says so, and keeps its records', async () => {
    const agent = await runNode(agentMain, [
      'run',
      '--collector',
      `127.0.0.1:${grpcPort}`,
      '--node-id',
      'node-b',
      ...tlsArgs(),
      '--token-file',
      join(pki.dir, 'a.token'),
      '--no-perf',
      '--flush-timeout',
      '1',
      '--',
      'true',
    ]);
    assert.equal(agent.code, 1);
    assert.match(
      agent.stderr,
      /"err":"PERMISSION_DENIED: Hello: the client certificate is for node \\"node-a\\"; it may not write as node \\"node-b\\"","msg":"the collector refuses this agent/,
    );
    assert.match(agent.stderr, /records not delivered.*they wait in the spool/);
  });

  it('the metrics port: TLS and basic auth from the web config', async () => {
    assert.equal((await httpsGet(metricsPort, '/metrics', pki.read('ca.crt'))).status, 401);
    assert.equal((await httpsGet(metricsPort, '/metrics', pki.read('ca.crt'), 'prometheus:wrong')).status, 401);
    const scraped = await httpsGet(metricsPort, '/metrics', pki.read('ca.crt'), 'prometheus:scrape-secret');
    assert.equal(scraped.status, 200);
    assert.match(scraped.body, /^powerprof_collector_rejected_total\{reason="permission_denied"\} [1-9]/m);
    await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`), 'plaintext HTTP to the TLS port fails');
  });
});

describe('secure by default: refusals at start', () => {
  it('a secret file others can read is refused with the fix: the token, the BMC password', async () => {
    const pki = createTestPki();
    const loose = secretFile(join(pki.dir, 'loose.token'), 'x'.repeat(32), 0o644);
    const agent = await runNode(agentMain, [
      'run',
      '--collector',
      '127.0.0.1:1',
      '--tls-ca',
      pki.path('ca.crt'),
      '--token-file',
      loose,
      '--no-perf',
      '--',
      'true',
    ]);
    assert.equal(agent.code, 2);
    assert.match(agent.stderr, /--token-file ".*loose.token" can be read by others \(mode 0644\); a secret must be 0600: chmod 600/);
    const password = await runNode(agentMain, ['probe', '--power', 'ipmi-dcmi', '--ipmi-password-file', loose]);
    assert.equal(password.code, 2);
    assert.match(password.stderr, /--ipmi-password-file ".*" can be read by others/);
  });

  it('a bearer token is never sent in plaintext off loopback', async () => {
    const agent = await runNode(agentMain, ['run', '--collector', '192.0.2.1:50051', '--no-perf', '--', 'true'], {
      env: { ...process.env, POWERPROF_TOKEN: 'y'.repeat(32) },
    });
    assert.equal(agent.code, 2);
    assert.match(agent.stderr, /a bearer token sent in plaintext to 192\.0\.2\.1:50051 could be read on the wire: use TLS/);
    // A name that starts like a loopback address resolves wherever its owner likes.
    const lookalike = await runNode(agentMain, ['run', '--collector', '127.evil.example:50051', '--no-perf', '--', 'true'], {
      env: { ...process.env, POWERPROF_TOKEN: 'y'.repeat(32) },
    });
    assert.equal(lookalike.code, 2);
    assert.match(lookalike.stderr, /a bearer token sent in plaintext to 127\.evil\.example:50051 could be read on the wire: use TLS/);
  });

  it('the BMC password never appears in the logs, even at trace level', async () => {
    const secret = 'bmc-Secret-7f3a9';
    const agent = await runNode(
      agentMain,
      [
        'run',
        '--collector',
        `127.0.0.1:${await freePort()}`,
        '--log-level',
        'trace',
        '--power',
        'ipmi-dcmi',
        '--ipmi-host',
        '127.0.0.1',
        '--ipmi-port',
        String(await freePort()),
        '--power-timeout',
        '1',
        '--idle-s',
        '0',
        '--no-perf',
        '--flush-timeout',
        '0',
        '--',
        'true',
      ],
      {
        env: { ...process.env, POWERPROF_IPMI_PASSWORD: secret },
      },
    );
    assert.ok(!`${agent.stdout}${agent.stderr}`.includes(secret), 'the password leaked into the output');
  });

  it('the collector warns at start when it takes plaintext, or TLS without client authentication, from the network', async () => {
    const pki = createTestPki();
    const redisServer = await startRedisServer();
    try {
      for (const [args, warning] of [
        [['--insecure'], /plaintext gRPC on a network address \(--insecure\): anyone who can reach it can write as any node/],
        [
          ['--tls-cert', pki.path('collector.crt'), '--tls-key', pki.path('collector.key')],
          /TLS without client authentication: any client can write as any node/,
        ],
      ] as const) {
        const collector = startNode(collectorMain, [
          'serve',
          '--grpc-listen',
          `0.0.0.0:${await freePort()}`,
          '--metrics-listen',
          `127.0.0.1:${await freePort()}`,
          '--redis',
          redisServer.url,
          ...args,
        ]);
        try {
          await collector.waitFor(warning);
          await collector.waitFor(/collector serving/);
        } finally {
          await collector.stop('SIGKILL');
        }
      }
      chmodSync(pki.path('collector.key'), 0o644);
      const loose = await runNode(collectorMain, [
        'serve',
        '--grpc-listen',
        `127.0.0.1:${await freePort()}`,
        '--redis',
        redisServer.url,
        '--tls-cert',
        pki.path('collector.crt'),
        '--tls-key',
        pki.path('collector.key'),
      ]);
      assert.notEqual(loose.code, 0);
      assert.match(loose.stderr, /--tls-key .*collector.key is readable by others \(mode 0644\): chmod 600/);
    } finally {
      await redisServer.stop();
    }
  });

  it('a root agent runs the workload as --workload-user, and perf still counts it', async () => {
    const redisServer = await startRedisServer();
    const [grpcPort, metricsPort] = [await freePort(), await freePort()];
    const collector = startNode(collectorMain, serveArgs(grpcPort, metricsPort, redisServer.url));
    const redis = new Redis(redisServer.url);
    try {
      await collector.waitFor(/collector serving/);
      if (process.getuid?.() !== 0) {
        const agent = await runNode(agentMain, ['run', '--collector', `127.0.0.1:${grpcPort}`, '--workload-user', 'nobody', '--', 'true']);
        assert.match(agent.stderr, /only an agent running as root can run workloads as another user/);
        return;
      }
      const agent = await runNode(agentMain, [
        'run',
        '--collector',
        `127.0.0.1:${grpcPort}`,
        '--node-id',
        'as-nobody',
        '--events',
        'task-clock',
        '--workload-user',
        'nobody',
        '--',
        'sh',
        '-c',
        'echo "UID: $(id -u)"; echo "HOMEIS: 1"',
      ]);
      assert.equal(agent.code, 0, agent.stderr);
      assert.match(agent.stdout, /^UID: 65534$/m);
      const entries = await redis.xrange('powerprof:{as-nobody}:records', '-', '+');
      const run = storedRecord(entries.find(([, f]) => f[f.indexOf('kind') + 1] === 'run')![1]);
      assert.equal(run.workload_metrics.UID, 65534);
      assert.equal(run.counters.find((c) => c.event === 'task-clock')?.status, 'COUNTER_STATUS_COUNTED');
      const missing = await runNode(agentMain, ['run', '--collector', `127.0.0.1:${grpcPort}`, '--workload-user', 'no-such-user-here', '--', 'true']);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /there is no user "no-such-user-here" on this node/);
    } finally {
      redis.disconnect();
      await collector.stop('SIGKILL');
      await redisServer.stop();
    }
  });
});
