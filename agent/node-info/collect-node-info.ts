import { execFile } from 'node:child_process';
import { hostname, machine, release } from 'node:os';
import type { Logger } from 'pino';
import type { NodeInfo } from '../../proto/records.js';
import { agentVersion } from '../agent-version.js';
import { parseLscpu, type LscpuInfo } from './parse-lscpu.js';
import { pmuEmulation, readMachineDescription } from './pmu-emulation.js';

/**
 * Describes this node. lscpu gives the CPU topology; when it is missing or
 * unreadable the node is still described (arch and CPU count from the OS)
 * and the reason is logged.
 */
export async function collectNodeInfo(nodeId: string, perfVersion: string, logger: Logger, procRoot = '/proc'): Promise<NodeInfo> {
  const [lscpu, machineDescription] = await Promise.all([readLscpu(), readMachineDescription(procRoot)]);
  if (!lscpu.ok) logger.warn({ reason: lscpu.error }, 'lscpu unavailable; CPU topology left unknown');
  const cpu: Partial<LscpuInfo> = lscpu.ok ? lscpu.info : {};
  return {
    node_id: nodeId,
    hostname: hostname(),
    arch: cpu.arch ?? machine(),
    cpu_model: cpu.model_name ?? '',
    cpus: cpu.cpus ?? 0,
    online_cpus: cpu.online_cpus ?? 0,
    threads_per_core: cpu.threads_per_core ?? 0,
    cores_per_socket: cpu.cores_per_socket ?? 0,
    sockets: cpu.sockets ?? 0,
    numa_nodes: cpu.numa_nodes ?? 0,
    kernel: release(),
    perf_version: perfVersion,
    agent_version: agentVersion,
    time_unix_ms: Date.now(),
    spool_epoch: 0, // the spool's, once it is open (NodeSession)
    pmu_emulation: pmuEmulation(machineDescription),
  };
}

function readLscpu(): Promise<ReturnType<typeof parseLscpu>> {
  return new Promise((resolve) => {
    // LC_ALL=C: lscpu translates its field names.
    execFile('lscpu', [], { timeout: 10_000, encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }, (error, stdout) => {
      if (error !== null) resolve({ ok: false, error: `"lscpu" failed: ${error.message}` });
      else resolve(parseLscpu(stdout));
    });
  });
}
