import assert from 'node:assert/strict';
import { it } from 'node:test';
import { diagnosePmu } from '../../../agent/perf/diagnose-pmu.js';
import { fileTree } from '../../support/file-tree.js';
import { hardwareCountersUnavailable } from '../../support/perf-support.js';

const devices = (...names: string[]) => Object.fromEntries(names.map((name) => [`sys/bus/event_source/devices/${name}/`, '']));

it('a VM without PMU passthrough: says so, and how to pass the PMU through', async () => {
  // The event sources and CPU flag of this project's KVM guest (dmesg: "no PMU driver, software events only").
  const root = fileTree({
    ...devices('breakpoint', 'msr', 'power', 'software', 'tracepoint', 'uprobe'),
    'proc/cpuinfo': 'processor\t: 0\nflags\t\t: fpu vme hypervisor lahf_lm\n',
  });
  const diagnosis = await diagnosePmu(`${root}/sys`, `${root}/proc`);
  assert.equal(diagnosis.corePmu, undefined);
  assert.equal(diagnosis.virtualMachine, 'x86 "hypervisor" CPU flag');
  assert.match(diagnosis.reason!, /^no hardware PMU is visible: this is a virtual machine/);
  assert.match(diagnosis.fix!, /-cpu host,pmu=on/);
});

it('bare metal without a PMU driver', async () => {
  const root = fileTree({ ...devices('software', 'tracepoint'), 'proc/cpuinfo': 'flags\t\t: fpu vme\n' });
  const diagnosis = await diagnosePmu(`${root}/sys`, `${root}/proc`);
  assert.match(diagnosis.reason!, /no PMU driver for this CPU/);
});

it('a core PMU present: nothing to fix (POWER "cpu", ARM "armv8_pmuv3_0")', async () => {
  for (const pmu of ['cpu', 'armv8_pmuv3_0', 'cpu_core']) {
    const root = fileTree({ ...devices('software', pmu), 'proc/cpuinfo': '' });
    const diagnosis = await diagnosePmu(`${root}/sys`, `${root}/proc`);
    assert.equal(diagnosis.corePmu, pmu);
    assert.equal(diagnosis.reason, undefined);
  }
});

it('on this machine, agrees with perf about hardware counters', async () => {
  const diagnosis = await diagnosePmu('/sys', '/proc');
  assert.equal(diagnosis.corePmu === undefined, hardwareCountersUnavailable() !== undefined);
});
