import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Why hardware events cannot be counted here, and what would fix it. Reads
 * which PMUs the kernel registered (/sys/bus/event_source/devices) and
 * whether this is a virtual machine (/proc/cpuinfo's "hypervisor" flag,
 * /sys/hypervisor, DMI vendor). Roots are parameters so tests can point
 * this at captured trees.
 */

export interface PmuDiagnosis {
  /** PMU devices the kernel registered: software, tracepoint, cpu, armv8_pmuv3_0, power, ... */
  devices: string[];
  corePmu: string | undefined;
  virtualMachine: string | undefined;
  reason: string | undefined;
  fix: string | undefined;
}

const CORE_PMU = /^(cpu|cpu_core|cpu_atom|armv[78]_\w+|arm_\w+|apple_\w+_pmu)$/;

export async function diagnosePmu(sysfsRoot: string, procRoot: string): Promise<PmuDiagnosis> {
  const devices = (await readdir(join(sysfsRoot, 'bus/event_source/devices')).catch(() => [] as string[])).sort();
  const corePmu = devices.find((device) => CORE_PMU.test(device));
  const virtualMachine = await detectVirtualMachine(sysfsRoot, procRoot);
  if (corePmu !== undefined) return { devices, corePmu, virtualMachine, reason: undefined, fix: undefined };
  if (virtualMachine !== undefined) {
    return {
      devices,
      corePmu,
      virtualMachine,
      reason: `no hardware PMU is visible: this is a virtual machine (${virtualMachine}) whose hypervisor does not pass the PMU through`,
      fix: 'give the guest the host PMU (libvirt: <cpu mode="host-passthrough"> with <pmu state="on"/>; QEMU: -cpu host,pmu=on; VMware: "virtualize CPU performance counters"; clouds: a bare-metal or PMU-enabled instance type), or profile on bare metal; software events still work',
    };
  }
  return {
    devices,
    corePmu,
    virtualMachine,
    reason: 'no hardware PMU is registered: the kernel has no PMU driver for this CPU',
    fix: 'run a kernel that knows this CPU model (dmesg shows "Performance Events: ... no PMU driver" when it does not), or load the PMU driver module; software events still work',
  };
}

async function detectVirtualMachine(sysfsRoot: string, procRoot: string): Promise<string | undefined> {
  const hypervisorType = (await readFile(join(sysfsRoot, 'hypervisor/type'), 'utf8').catch(() => '')).trim();
  if (hypervisorType !== '') return hypervisorType;
  const vendor = (await readFile(join(sysfsRoot, 'class/dmi/id/sys_vendor'), 'utf8').catch(() => '')).trim();
  if (/qemu|kvm|vmware|microsoft|xen|innotek|virtualbox|amazon ec2|google|parallels|bochs/i.test(vendor)) return vendor;
  const cpuinfo = await readFile(join(procRoot, 'cpuinfo'), 'utf8').catch(() => '');
  if (/^flags\s*:.*\bhypervisor\b/m.test(cpuinfo)) return 'x86 "hypervisor" CPU flag';
  // POWER LPARs under PowerVM say so in cpuinfo ("platform : pSeries", "machine : CHRP IBM pSeries (emulated by qemu)").
  const machine = /^machine\s*:\s*(.*)$/m.exec(cpuinfo)?.[1];
  if (machine !== undefined && /emulated by qemu/i.test(machine)) return machine.trim();
  return undefined;
}
