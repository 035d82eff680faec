import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repositoryRoot } from '../../proto/repository-root.js';

/**
 * OpenIPMI's ipmi_sim as a BMC on a free loopback UDP port that the real
 * ipmitool reaches over lanplus (user admin, password "password", cipher
 * suite 3), with DCMI power readings from a plugin built from
 * deploy/demo/bmc/dcmi-power-plugin.c that answers what a file says. Used by
 * the demo's simulated BMC and by the tests (shared/notes/bmc-simulator.md).
 */
export interface IpmiSim {
  port: number;
  user: string;
  password: string;
  /** The file the DCMI plugin reads on every request. */
  dcmiFile: string;
  /** Stops the simulator and starts a new one on the same port: every open session is gone. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export interface IpmiSimOptions {
  /** Lines of the emulator script after the BMC is added (SDRs, sensors), before it is enabled. */
  emulatorLines?: readonly string[];
  /** Lines of lan.conf inside the BMC's block (a VM serial port). */
  lanLines?: readonly string[];
  /** A folder for the simulator's files; a new temporary one otherwise. */
  dir?: string;
}

/** Why the simulator cannot run here (with the packages to install), or undefined when it can. */
export function ipmiSimUnavailable(): string | undefined {
  for (const tool of ['ipmi_sim', 'ipmitool', 'gcc']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
      return `${tool} is not installed (apt-get install openipmi libopenipmi-dev ipmitool gcc libc6-dev)`;
  }
  if (!existsSync('/usr/include/OpenIPMI/mcserv.h'))
    return 'libopenipmi-dev is not installed (the DCMI plugin needs its headers: apt-get install libopenipmi-dev)';
  return undefined;
}

let pluginPath: string | undefined;

/** The DCMI plugin, compiled once per process. */
export function buildDcmiPlugin(): string {
  if (pluginPath !== undefined) return pluginPath;
  const out = join(mkdtempSync(join(tmpdir(), 'powerprof-bmc-plugin-')), 'dcmi-power-plugin.so');
  const built = spawnSync('gcc', ['-shared', '-fPIC', '-O2', '-o', out, join(repositoryRoot, 'deploy/demo/bmc/dcmi-power-plugin.c')], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`cannot build the DCMI plugin: ${built.stderr}`);
  pluginPath = out;
  return out;
}

let nextProductId = 0x4000 + (process.pid % 0x1000);

export async function startIpmiSim(options: IpmiSimOptions = {}): Promise<IpmiSim> {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'powerprof-bmc-'));
  const state = join(dir, 'state');
  mkdirSync(state, { recursive: true });
  const dcmiFile = join(dir, 'dcmi');
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
      ...(options.lanLines ?? []),
      '  user 2 true "admin" "password" admin 10 none md2 md5 straight',
      `loadlib "${buildDcmiPlugin()}" "${dcmiFile}"`,
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'bmc.emu'),
    [
      'mc_setbmc 0x20',
      `mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0x${productId.toString(16)} persist_sdr`,
      ...(options.emulatorLines ?? []),
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
    dcmiFile,
    restart: async () => {
      await quit();
      child = launch();
      await waitUntilAnswering(port, productId, child);
    },
    stop: quit,
  };
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

async function waitUntilAnswering(port: number, productId: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ipmi_sim exited (${child.exitCode}) at start`);
    const answer = spawnSync(
      'ipmitool',
      ['-I', 'lanplus', '-H', '127.0.0.1', '-p', String(port), '-U', 'admin', '-E', '-C', '3', '-N', '1', '-R', '1', 'raw', '0x06', '0x01'],
      { encoding: 'utf8', env: { ...process.env, IPMI_PASSWORD: 'password' } },
    );
    const bytes = answer.stdout.trim().split(/\s+/);
    if (answer.status === 0 && parseInt(`${bytes[10]}${bytes[9]}`, 16) === productId) return;
    if (Date.now() > deadline) throw new Error(`ipmi_sim on UDP ${port} did not answer: ${answer.stdout}${answer.stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
