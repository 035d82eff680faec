/**
 * Parses `lscpu` (any util-linux layout, old flat or new indented). Pure.
 * Counts what matters for comparing nodes: CPUs that are online (SMT can be
 * off, CPUs offline), and NUMA nodes that actually hold CPUs.
 */

export interface LscpuInfo {
  arch: string;
  model_name: string;
  cpus: number;
  online_cpus: number;
  threads_per_core: number;
  cores_per_socket: number;
  sockets: number;
  numa_nodes: number;
}

export type LscpuParse = { ok: true; info: LscpuInfo } | { ok: false; error: string };

export function parseLscpu(text: string): LscpuParse {
  const fields = new Map<string, string>();
  const populatedNumaNodes = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon === -1) continue;
    const key = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    const numa = /^NUMA node(\d+) CPU\(s\)$/.exec(key);
    if (numa) {
      if (value !== '') populatedNumaNodes.add(numa[1]!);
      continue;
    }
    if (!fields.has(key)) fields.set(key, value);
  }
  const arch = fields.get('Architecture');
  const cpus = integer(fields.get('CPU(s)'));
  if (arch === undefined || cpus === undefined) {
    const first = text
      .split(/\r?\n/)
      .find((l) => l.trim() !== '')
      ?.trim();
    return { ok: false, error: first === undefined ? 'lscpu printed nothing' : `not lscpu output: "${first}"` };
  }
  const onlineList = fields.get('On-line CPU(s) list');
  const sockets = integer(fields.get('Socket(s)')) ?? integer(fields.get('Cluster(s)')) ?? 1;
  return {
    ok: true,
    info: {
      arch,
      model_name: modelName(fields),
      cpus,
      online_cpus: onlineList === undefined ? cpus : countCpuList(onlineList),
      threads_per_core: integer(fields.get('Thread(s) per core')) ?? 1,
      cores_per_socket: integer(fields.get('Core(s) per socket')) ?? integer(fields.get('Core(s) per cluster')) ?? cpus,
      sockets,
      // "NUMA node(s)" counts empty nodes too (an AC922 says 6 and has CPUs on 2).
      numa_nodes: populatedNumaNodes.size > 0 ? populatedNumaNodes.size : (integer(fields.get('NUMA node(s)')) ?? 1),
    },
  };
}

/** "Model name", else what identifies the CPU where lscpu has no name (some ARM and old kernels). */
function modelName(fields: Map<string, string>): string {
  const name = fields.get('Model name');
  if (name !== undefined && name !== '' && name !== '-') return name;
  const vendor = fields.get('Vendor ID') ?? '';
  const model = fields.get('Model') ?? '';
  return [vendor, model && `model ${model}`].filter(Boolean).join(' ');
}

function integer(text: string | undefined): number | undefined {
  if (text === undefined || !/^\d+$/.test(text)) return undefined;
  return Number(text);
}

/** "0-3,8,10-11" -> 7 */
export function countCpuList(list: string): number {
  let count = 0;
  for (const part of list.split(',')) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!range) continue;
    count += range[2] === undefined ? 1 : Number(range[2]) - Number(range[1]) + 1;
  }
  return count;
}
