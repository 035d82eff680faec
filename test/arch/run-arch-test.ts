import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { csvObjects } from '../../proto/csv-tables.js';
import { repositoryRoot } from '../../proto/repository-root.js';
import { freePort } from '../support/free-port.js';
import { startIpmiSimulator, type IpmiSimulator } from '../support/ipmi-simulator.js';
import { collectorMain, runNode, serveArgs, startNode } from '../support/node-processes.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { storedRecord } from '../support/stored-records.js';
import { checkGuest, type Check, type GuestEvidence } from './arch-checks.js';
import { archGuests, type ArchGuest } from './arch-guests.js';

/**
 * `npm run test:arch`: the project's own agent, installed as on a node, run
 * inside emulated POWER9 (pseries, and powernv with an external BMC) and
 * ARM64 guests built from Debian packages, pushing into a collector and
 * Redis on this host through one forwarded port. What arrived is exported to
 * powerprof-out/arch/GUEST/ and checked; prints one PASS or FAIL line per
 * check and "N passed, N failed". Arguments: guest names, to run only those.
 */
const here = join(repositoryRoot, 'test/arch');
const cache = process.env.POWERPROF_ARCH_CACHE ?? '/var/cache/powerprof-test-arch';
const outRoot = join(repositoryRoot, 'powerprof-out/arch');

async function main(names: string[]): Promise<number> {
  const guests = names.length === 0 ? archGuests : archGuests.filter((guest) => names.includes(guest.name));
  const work = mkdtempSync(join(tmpdir(), 'powerprof-arch-'));
  const agentInstall = join(work, 'agent');
  const installed = spawnSync('sh', [join(repositoryRoot, 'deploy/install-files.sh'), agentInstall, 'agent'], { encoding: 'utf8' });
  if (installed.status !== 0) throw new Error(`deploy/install-files.sh agent failed: ${installed.stderr}`);
  const redis = await startRedisServer();
  const decoy = await decoyPort();
  const results: Array<Check & { guest: string }> = [];
  try {
    for (const guest of guests) {
      const started = Date.now();
      const checks = await testGuest(guest, { work, agentInstall, redis, decoy }).catch((error: Error) => [
        { name: 'guest test', ok: false, detail: error.stack ?? error.message },
      ]);
      for (const check of checks) {
        results.push({ guest: guest.name, ...check });
        console.log(`${check.ok ? 'PASS' : 'FAIL'} ${guest.name}: ${check.name}${check.ok ? '' : ` — ${check.detail}`}`);
      }
      console.log(`     ${guest.name}: ${((Date.now() - started) / 1000).toFixed(0)} s; output in ${join(outRoot, guest.name)}`);
    }
  } finally {
    decoy.close();
    await redis.stop();
    rmSync(work, { recursive: true, force: true });
  }
  const failed = results.filter((r) => !r.ok).length;
  console.log(`${results.length - failed} passed, ${failed} failed`);
  return failed === 0 ? 0 : 1;
}

/** A loopback port outside the guest's one forward; the guest tries it, and must not get through. */
async function decoyPort(): Promise<{ port: number; connections(): number; close(): void }> {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as { port: number }).port, connections: () => connections, close: () => server.close() };
}

interface Shared {
  work: string;
  agentInstall: string;
  redis: RedisServer;
  decoy: Awaited<ReturnType<typeof decoyPort>>;
}

async function testGuest(guest: ArchGuest, { work, agentInstall, redis, decoy }: Shared): Promise<Check[]> {
  const built = spawnSync('bash', [join(here, 'build-guest.sh'), cache], {
    encoding: 'utf8',
    env: { ...process.env, ARCH: guest.debianArch },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  if (built.status !== 0) return [{ name: 'guest built from Debian packages', ok: false, detail: `build-guest.sh exited ${built.status}` }];
  const guestDir = built.stdout.trim().split('\n').pop()!;
  const out = join(outRoot, guest.name);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });

  const nodeId = `arch-${guest.name}`;
  const keyPrefix = `arch-${guest.name}`;
  const grpcPort = await freePort();
  const collector = startNode(collectorMain, serveArgs(grpcPort, await freePort(), redis.url, '--key-prefix', keyPrefix));
  let bmc: IpmiSimulator | undefined;
  const bmcWatts: number[] = [];
  const client = new Redis(redis.url);
  try {
    await collector.waitFor(/collector serving/);
    const vmPort = guest.name === 'power9-powernv' ? await freePort() : undefined;
    if (vmPort !== undefined) {
      bmc = await startIpmiSimulator({ vmPort });
      bmc.setDcmi('262');
      bmcWatts.push(262);
    }
    const share = mkdtempSync(join(work, `${guest.name}-`));
    cpSync(agentInstall, join(share, 'agent'), { recursive: true });
    cpSync(join(here, 'guest-job.sh'), join(share, 'run.sh'));
    writeFileSync(
      join(share, 'job.env'),
      [
        `NODE_ID=${nodeId}`,
        `POWERPROF_NODE_ID=${nodeId}`,
        'export POWERPROF_NODE_ID',
        `CAPTURE_EVENTS=${guest.captureEvents}`,
        'CAPTURE_ITEMS=100',
        `BLOCKED_PORT=${decoy.port}`,
        `EVENT_SETS="${guest.eventSets.join(' ')}"`,
        `PROBE_ARGS="${guest.probeArgs}"`,
        `RUN_ARGS="${guest.runArgs}"`,
        `REPEAT=${guest.repeat}`,
        `ITEMS=${guest.items}`,
        '',
      ].join('\n'),
    );

    // The BMC's watts change once the agent has read them twice: power.csv must follow it.
    const recordsKey = `${keyPrefix}:{${nodeId}}:records`;
    const follow = setInterval(() => {
      if (bmc === undefined || bmcWatts.length > 1) return;
      void client.xrange(recordsKey, '-', '+').then((entries) => {
        const samples = entries.filter(([, fields]) => fields[fields.indexOf('kind') + 1] === 'power_sample').length;
        if (samples >= 2 && bmcWatts.length === 1) {
          bmc!.setDcmi('317');
          bmcWatts.push(317);
        }
      });
    }, 2_000);
    writeFileSync(join(share, 'job.env'), `HOST_TIME_AT_BOOT=${Math.floor(Date.now() / 1000)}\n`, { flag: 'a' });
    try {
      await bootGuest(guestDir, guest.name, share, grpcPort, vmPort, join(out, 'console.log'));
    } finally {
      clearInterval(follow);
    }

    const exported = await runNode(collectorMain, ['export', '--out', out, '--redis', redis.url, '--key-prefix', keyPrefix]);
    if (exported.code !== 0) throw new Error(`export failed: ${exported.stderr}`);
    const reported = await runNode(collectorMain, ['report', '--out', join(out, 'report.html'), '--redis', redis.url, '--key-prefix', keyPrefix], {
      timeoutMs: 120_000,
    });
    if (reported.code !== 0) throw new Error(`report failed: ${reported.stderr}`);
    const guestOut = join(share, 'out');
    if (existsSync(guestOut)) cpSync(guestOut, out, { recursive: true });
    const entries = await client.xrange(recordsKey, '-', '+');
    const field = (fields: string[], name: string): string => fields[fields.indexOf(name) + 1] ?? '';
    const read = (name: string): string => (existsSync(join(out, name)) ? readFileSync(join(out, name), 'utf8') : '');
    const evidence: GuestEvidence = {
      status: read('status.txt')
        .split('\n')
        .filter((line) => line !== ''),
      probes: new Map(
        readdirSync(out)
          .filter((name) => /^probe-.*\.txt$/.test(name))
          .map((name) => [name.slice('probe-'.length, -'.txt'.length), read(name)]),
      ),
      decoyConnections: decoy.connections(),
      records: entries.map(([, fields]) => ({
        seq: field(fields, 'seq'),
        kind: field(fields, 'kind'),
        data: storedRecord<Record<string, unknown>>(fields),
      })),
      runs: csvObjects(read('runs.csv')),
      power: csvObjects(read('power.csv')),
      counters: csvObjects(read('counters.csv')),
      reportHtml: read('report.html'),
      bmcWatts,
    };
    return [
      {
        name: 'guest built from Debian packages and booted',
        ok: evidence.status.length > 0,
        detail: `the guest job reported nothing; see ${join(out, 'console.log')}`,
      },
      ...checkGuest(guest, evidence),
    ];
  } finally {
    client.disconnect();
    await bmc?.stop();
    await collector.stop();
  }
}

/** Boots the guest and waits for its job to end; the console goes to a file (powernv does not power itself off: QEMU is stopped once the job says it is done). */
function bootGuest(guestDir: string, kind: string, share: string, grpcPort: number, vmPort: number | undefined, consoleLog: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const args = [join(here, 'boot-guest.sh'), guestDir, kind, share, String(grpcPort), ...(vmPort === undefined ? [] : [String(vmPort)])];
    const qemu = spawn('bash', args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    const log = createWriteStream(consoleLog);
    let tail = '';
    let stopping: NodeJS.Timeout | undefined;
    const watch = (chunk: Buffer): void => {
      log.write(chunk);
      tail = (tail + chunk.toString()).slice(-200);
      if (stopping === undefined && tail.includes('=== GUEST-DONE')) stopping = setTimeout(() => process.kill(-qemu.pid!, 'SIGTERM'), 5_000);
    };
    qemu.stdout.on('data', watch);
    qemu.stderr.on('data', watch);
    qemu.once('error', reject);
    qemu.once('exit', () => {
      clearTimeout(stopping);
      log.end(() => resolve());
    });
  });
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: Error) => {
    console.error(error.stack ?? error.message);
    console.log('0 passed, 1 failed');
    process.exitCode = 1;
  },
);
