import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

/** What the kernel shows of the machine: /proc/cpuinfo, and the device tree's model, compatible and hypervisor nodes (POWER, ARM). */
export interface MachineDescription {
  cpuinfo: string;
  deviceTreeModel: string;
  deviceTreeCompatible: string[];
  hypervisorCompatible: string[];
}

const TCG_NOTE =
  "under QEMU's TCG (instructions translated in software): its PMU is emulated, so cycles count elapsed time, not a pipeline, and cache and branch events read 0 or are not supported";

/**
 * Why this node's counters are not a real pipeline's, or '' where they are
 * (or nothing says otherwise). QEMU shows itself in the device tree and
 * /proc/cpuinfo; KVM, whose guests count on the real PMU, adds a
 * "linux,kvm" hypervisor node (pseries) or passes the host's CPU through
 * (ARM: a real implementer code; x86: the host's model name), while TCG
 * shows QEMU's own CPU models (ARM's "max" has implementer 0x00, which
 * ARM reserves for software; x86's is "QEMU TCG CPU").
 */
export function pmuEmulation(machine: MachineDescription): string {
  const field = (name: string): string => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(machine.cpuinfo)?.[1]?.trim() ?? '';
  const qemuPower = [machine.deviceTreeModel, field('model'), field('machine')].find((text) => /emulated by qemu/i.test(text));
  if (qemuPower !== undefined) return machine.hypervisorCompatible.includes('linux,kvm') ? '' : `${qemuPower}, ${TCG_NOTE}`;
  if (machine.deviceTreeCompatible.includes('linux,dummy-virt') && /^0x0+$/.test(field('CPU implementer')))
    return `QEMU virt machine with its "max" CPU (implementer 0x00), ${TCG_NOTE}`;
  const modelName = field('model name');
  if (/QEMU TCG CPU/.test(modelName)) return `${modelName}, ${TCG_NOTE}`;
  return '';
}

/** A device-tree property: NUL-separated strings. */
async function readDeviceTreeStrings(path: string): Promise<string[]> {
  return (await readFile(path, 'utf8').catch(() => '')).split('\0').filter((text) => text !== '');
}

export async function readMachineDescription(procRoot: string): Promise<MachineDescription> {
  const deviceTree = join(procRoot, 'device-tree');
  const [cpuinfo, model, compatible, hypervisor] = await Promise.all([
    readFile(join(procRoot, 'cpuinfo'), 'utf8').catch(() => ''),
    readDeviceTreeStrings(join(deviceTree, 'model')),
    readDeviceTreeStrings(join(deviceTree, 'compatible')),
    readDeviceTreeStrings(join(deviceTree, 'hypervisor/compatible')),
  ]);
  return { cpuinfo, deviceTreeModel: model[0] ?? '', deviceTreeCompatible: compatible, hypervisorCompatible: hypervisor };
}
