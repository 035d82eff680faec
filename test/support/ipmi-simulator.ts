import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IpmiConnection } from '../../agent/power/ipmi/ipmitool.js';
import { ipmiSimUnavailable, startIpmiSim } from '../../deploy/demo/ipmi-sim.js';
import { repositoryRoot } from '../../proto/repository-root.js';

/**
 * OpenIPMI's ipmi_sim as a BMC for the real ipmitool (deploy/demo/ipmi-sim.ts),
 * with, for the tests, one SDR power sensor ("Pwr Consumption", read from a
 * file the test writes, 4 W steps) besides DCMI power readings. See
 * shared/notes/bmc-simulator.md.
 */
export interface IpmiSimulator {
  port: number;
  user: string;
  password: string;
  /** The SDR sensor's watts (a multiple of 4, up to 1020). */
  setSensorWatts(watts: number): void;
  /** What the DCMI plugin answers: "262", "262 240 300 265 5000", "262 deactivated", "cc=0xcb". */
  setDcmi(text: string): void;
  /** Stops the simulator and starts a new one on the same port: every open session is gone. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** How the agent reaches the simulator: the real ipmitool over lanplus on loopback. */
export function simulatorConnection(bmc: IpmiSimulator): IpmiConnection {
  return {
    ipmitoolPath: 'ipmitool',
    host: '127.0.0.1',
    port: bmc.port,
    user: bmc.user,
    password: bmc.password,
    cipherSuite: 3,
    extraArgs: [],
    timeoutMs: 5_000,
  };
}

/** Why the simulator cannot run here, or undefined when it can. */
export function ipmiSimulatorUnavailable(): string | undefined {
  if (spawnSync('sh', ['-c', 'command -v sdrcomp']).status !== 0) return 'sdrcomp is not installed (apt-get install openipmi)';
  return ipmiSimUnavailable();
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

/**
 * With `vmPort`, the BMC also serves a virtual machine's IPMI interface:
 * QEMU's ipmi-bmc-extern connects to that TCP port (OpenIPMI's "VM" codec)
 * and the guest reads this BMC through its own /dev/ipmi0, in-band.
 */
export async function startIpmiSimulator({ vmPort }: { vmPort?: number } = {}): Promise<IpmiSimulator> {
  const dir = mkdtempSync(join(tmpdir(), 'powerprof-bmc-'));
  const sensorFile = join(dir, 'sensor');
  writeFileSync(sensorFile, '0\n');
  const sim = await startIpmiSim({
    dir,
    // SDRs right after mc_add and before any sensor_add, or the sensors show as disabled.
    emulatorLines: [...sdrLines(), `sensor_add 0x20 0 1 0x03 0x01 poll 100 file "${sensorFile}" div=4`],
    lanLines: vmPort === undefined ? [] : [`  serial 15 127.0.0.1 ${vmPort} codec VM`],
  });
  return {
    port: sim.port,
    user: sim.user,
    password: sim.password,
    setSensorWatts: (watts) => writeFileSync(sensorFile, `${watts}\n`),
    setDcmi: (text) => writeFileSync(sim.dcmiFile, `${text}\n`),
    restart: () => sim.restart(),
    stop: async () => {
      await sim.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
