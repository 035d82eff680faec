import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { pmuEmulation, readMachineDescription } from '../../../agent/node-info/pmu-emulation.js';
import { repositoryRoot } from '../../../proto/repository-root.js';
import { fileTree } from '../../support/file-tree.js';

// test/fixtures/machine/CASE/: what a machine's kernel showed (cpuinfo.txt, and device-tree-model and
// device-tree-compatible where it has a device tree, NUL-separated as in /proc/device-tree), with
// expected.json: {"emulated": bool, "says": "a phrase the note must hold"}.
const root = join(repositoryRoot, 'test/fixtures/machine');
for (const name of readdirSync(root).sort()) {
  it(`${name}: ${name.includes('tcg') ? 'an emulated PMU, said so' : 'a real PMU, nothing said'}`, async () => {
    const folder = join(root, name);
    const expected = JSON.parse(readFileSync(join(folder, 'expected.json'), 'utf8')) as { emulated: boolean; says?: string };
    // The same layout as /proc: cpuinfo and device-tree/{model,compatible}.
    const files = readdirSync(folder);
    const proc = fileTree({
      cpuinfo: readFileSync(join(folder, 'cpuinfo.txt'), 'utf8'),
      ...(files.includes('device-tree-model') ? { 'device-tree/model': readFileSync(join(folder, 'device-tree-model'), 'latin1') } : {}),
      ...(files.includes('device-tree-compatible') ? { 'device-tree/compatible': readFileSync(join(folder, 'device-tree-compatible'), 'latin1') } : {}),
    });
    const note = pmuEmulation(await readMachineDescription(proc));
    assert.equal(note !== '', expected.emulated, note);
    if (expected.says !== undefined) assert.ok(note.includes(expected.says), note);
  });
}

it('a pseries guest under KVM (its device tree has the "linux,kvm" hypervisor node QEMU adds with KVM) counts on the real PMU', () => {
  const cpuinfo = readFileSync(join(root, 'cpuinfo__qemu-power9-pseries-tcg__1/cpuinfo.txt'), 'utf8');
  const pseries = { cpuinfo, deviceTreeModel: 'IBM pSeries (emulated by qemu)', deviceTreeCompatible: ['qemu,pseries'] };
  assert.notEqual(pmuEmulation({ ...pseries, hypervisorCompatible: [] }), '');
  assert.equal(pmuEmulation({ ...pseries, hypervisorCompatible: ['linux,kvm'] }), '');
});

it('an ARM virt guest with a real CPU passed through (KVM: the host implementer, here 0x41) counts on the real PMU', () => {
  const cpuinfo = readFileSync(join(root, 'cpuinfo__qemu-arm64-virt-max-tcg__1/cpuinfo.txt'), 'utf8');
  const machine = { deviceTreeModel: 'linux,dummy-virt', deviceTreeCompatible: ['linux,dummy-virt'], hypervisorCompatible: [] };
  assert.notEqual(pmuEmulation({ ...machine, cpuinfo }), '');
  assert.equal(pmuEmulation({ ...machine, cpuinfo: cpuinfo.replace(/^CPU implementer\s*: 0x00$/m, 'CPU implementer\t: 0x41') }), '');
});
