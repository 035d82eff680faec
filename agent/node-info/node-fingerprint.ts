import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NodeFingerprint, NodeInfo } from '../../proto/records.js';
import { countCpuList } from './parse-lscpu.js';

/**
 * The node as it is right now, read from sysfs before each run: SMT, CPUs
 * online, the frequency governor and populated NUMA nodes can all change
 * between runs and all change the numbers. Missing files give empty values
 * (no cpufreq in a VM, no smt/control on old kernels), falling back to what
 * lscpu said at start.
 */
export async function readNodeFingerprint(sysfsRoot: string, node: NodeInfo): Promise<NodeFingerprint> {
  const cpu = join(sysfsRoot, 'devices/system/cpu');
  const [smt, online, governor, numa] = await Promise.all([
    readTrimmed(join(cpu, 'smt/control')),
    readTrimmed(join(cpu, 'online')),
    readTrimmed(join(cpu, 'cpu0/cpufreq/scaling_governor')),
    readTrimmed(join(sysfsRoot, 'devices/system/node/has_cpu')),
  ]);
  return {
    arch: node.arch,
    cpu_model: node.cpu_model,
    smt,
    online_cpus: online === '' ? node.online_cpus : countCpuList(online),
    frequency_governor: governor,
    kernel: node.kernel,
    perf_version: node.perf_version,
    numa_nodes: numa === '' ? node.numa_nodes : countCpuList(numa),
    pmu_emulation: node.pmu_emulation,
  };
}

async function readTrimmed(path: string): Promise<string> {
  return (await readFile(path, 'utf8').catch(() => '')).trim();
}
