import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '../../proto/repository-root.js';

/**
 * OpenIPMI's ipmi_sim as a BMC on a free loopback UDP port, for the real
 * ipmitool: one SDR power sensor ("Pwr Consumption", read from a file the
 * test writes, 4 W steps) and DCMI power readings through a plugin built
 * from test/support/bmc/dcmi-power-plugin.c. See shared/notes/bmc-simulator.md.
 */
export interface IpmiSimulator {
  port: number;
  user: string;
  password: string;
  /** The SDR sensor's watts (a multiple of 4, up to 1020). */
  setSensorWatts(watts: number): void;
  /** What the DCMI plugin answers: "262", "262 deactivated", "cc=0xcb". */
  setDcmi(text: string): void;
  /** Stops the simulator and starts a new one on the same port: every open session is gone. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Why the simulator cannot run here, or undefined when it can. */
export function ipmiSimulatorUnavailable(): string | undefined {
  for (const tool of ['ipmi_sim', 'sdrcomp', 'ipmitool', 'gcc']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (apt-get install openipmi libopenipmi-dev ipmitool gcc)`;
  }
  if (!existsSync('/usr/include/OpenIPMI/mcserv.h')) return 'libopenipmi-dev is not installed (the DCMI plugin needs its headers)';
  return undefined;
}

let pluginPath: string | undefined;

function buildPlugin(): string {
  if (pluginPath !== undefined) return pluginPath;
  const out = join(mkdtempSync(join(tmpdir(), 'powerprof-bmc-plugin-')), 'dcmi-power-plugin.so');
  const built = spawnSync('gcc', ['-shared', '-fPIC', '-O2', '-o', out, join(repositoryRoot, 'test/support/bmc/dcmi-power-plugin.c')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`cannot build the DCMI plugin: ${built.stderr}`);
  pluginPath = out;
  return out;
}

/** sdrcomp -r prints raw records; ipmi_sim takes each as a main_sdr_add line. */
function sdrLines(): string[] {
  const compiled = spawnSync('sdrcomp', ['-r', join(repositoryRoot, 'test/support/bmc/power.sdrs')]);
  if (compiled.status !== 0) throw new Error(`sdrcomp failed: ${compiled.stderr.toString()}`);
  const raw = compiled.stdout;
  const lines: string[] = [];
  for (let at = 0; at + 5 <= raw.length;) {
    const record = raw.subarray(at, at + 5 + raw[at + 4]!);
    lines.push(`main_sdr_add 0x20 ${[...record].map((byte) => `0x${byte.toString(16).padStart(2, '0')}`).join(' ')}`);
    at += record.length;
  }
  return lines;
}

function freeUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = createSocket('udp4');
    socket.once('error', reject);
    socket.bind(0, '127.0.0.1', () => {
      const { port } = socket.address();
      socket.close(() => resolve(port));
    });
  });
}

let nextProductId = 0x4000 + (process.pid % 0x1000);

/**
 * With `vmPort`, the BMC also serves a virtual machine's IPMI interface:
 * QEMU's ipmi-bmc-extern connects to that TCP port (OpenIPMI's "VM" codec)
 * and the guest reads this BMC through its own /dev/ipmi0, in-band.
 */
export async function startIpmiSimulator({ vmPort }: { vmPort?: number } = {}): Promise<IpmiSimulator> {
  const dir = mkdtempSync(join(tmpdir(), 'powerprof-bmc-'));
  const state = join(dir, 'state');
  mkdirSync(state);
  const sensorFile = join(dir, 'sensor');
  const dcmiFile = join(dir, 'dcmi');
  writeFileSync(sensorFile, '0\n');
  writeFileSync(dcmiFile, '0\n');
  const port = await freeUdpPort();
  // A port collision is silent (SO_REUSEADDR): a product id of our own tells our simulator from another.
  const productId = nextProductId++;
  writeFileSync(
    join(dir, 'lan.conf'),
    [
      `name "powerprof${productId}"`,
      'set_working_mc 0x20',
      '  startlan 1',
      `    addr 127.0.0.1 ${port}`,
      '    priv_limit admin',
      '    allowed_auths_callback none md2 md5 straight',
      '    allowed_auths_user none md2 md5 straight',
      '    allowed_auths_operator none md2 md5 straight',
      '    allowed_auths_admin none md2 md5 straight',
      '    guid a123456789abcdefa123456789abcdef',
      '  endlan',
      ...(vmPort === undefined ? [] : [`  serial 15 127.0.0.1 ${vmPort} codec VM`]),
      '  user 2 true "admin" "password" admin 10 none md2 md5 straight',
      `loadlib "${buildPlugin()}" "${dcmiFile}"`,
      '',
    ].join('\n'),
  );
  // SDRs right after mc_add and before any sensor_add, or the sensors show as disabled.
  writeFileSync(
    join(dir, 'bmc.emu'),
    [
      'mc_setbmc 0x20',
      `mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0x${productId.toString(16)} persist_sdr`,
      ...sdrLines(),
      `sensor_add 0x20 0 1 0x03 0x01 poll 100 file "${sensorFile}" div=4`,
      'mc_enable 0x20',
      '',
    ].join('\n'),
  );
  // stdin is the simulator's control channel: "quit" stops it at once.
  const launch = (): ChildProcess =>
    spawn('ipmi_sim', ['-c', join(dir, 'lan.conf'), '-f', join(dir, 'bmc.emu'), '-s', state], { stdio: ['pipe', 'ignore', 'ignore'] });
  let child = launch();
  await waitUntilAnswering(port, productId, child);
  const quit = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.stdin!.end('quit\n');
    const kill = setTimeout(() => child.kill('SIGKILL'), 3_000);
    await exited;
    clearTimeout(kill);
  };
  return {
    port,
    user: 'admin',
    password: 'password',
    setSensorWatts: (watts) => writeFileSync(sensorFile, `${watts}\n`),
    setDcmi: (text) => writeFileSync(dcmiFile, `${text}\n`),
    restart: async () => {
      await quit();
      child = launch();
      await waitUntilAnswering(port, productId, child);
    },
    stop: async () => {
      await quit();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUntilAnswering(port: number, productId: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ipmi_sim exited (${child.exitCode}) at start`);
    const answer = spawnSync(
      'ipmitool',
      ['-I', 'lanplus', '-H', '127.0.0.1', '-p', String(port), '-U', 'admin', '-E', '-C', '3', '-N', '1', '-R', '1', 'raw', '0x06', '0x01'],
      {
        encoding: 'utf8',
        env: { ...process.env, IPMI_PASSWORD: 'password' },
      },
    );
    const bytes = answer.stdout.trim().split(/\s+/);
    if (answer.status === 0 && parseInt(`${bytes[10]}${bytes[9]}`, 16) === productId) return;
    if (Date.now() > deadline) throw new Error(`ipmi_sim on UDP ${port} did not answer: ${answer.stdout}${answer.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
