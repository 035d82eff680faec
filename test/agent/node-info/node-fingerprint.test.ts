import assert from 'node:assert/strict';
import { it } from 'node:test';
import { readNodeFingerprint } from '../../../agent/node-info/node-fingerprint.js';
import { sampleNodeInfo } from '../../proto/sample-records.js';
import { fileTree } from '../../support/file-tree.js';

it('reads SMT, online CPUs, governor and NUMA from sysfs as they are now', async () => {
  // A POWER9 host with SMT switched off at run time (ppc64_cpu --smt=off): every 4th CPU online.
  const sysfs = fileTree({
    'devices/system/cpu/smt/control': 'off\n',
    'devices/system/cpu/online': '0,4,8,12,16,20,24,28,32,36,40,44,48,52,56,60,64,68,72,76,80,84,88,92,96,100,104,108,112,116,120,124\n',
    'devices/system/cpu/cpu0/cpufreq/scaling_governor': 'performance\n',
    'devices/system/node/has_cpu': '0,8\n',
  });
  const fingerprint = await readNodeFingerprint(sysfs, sampleNodeInfo('p9', { online_cpus: 128, pmu_emulation: 'IBM pSeries (emulated by qemu), under TCG' }));
  assert.deepEqual(fingerprint, {
    arch: 'ppc64le',
    cpu_model: 'POWER9, altivec supported',
    smt: 'off',
    online_cpus: 32,
    frequency_governor: 'performance',
    kernel: '6.1.0',
    perf_version: '6.1',
    numa_nodes: 2,
    pmu_emulation: 'IBM pSeries (emulated by qemu), under TCG',
  });
});

it('leaves what sysfs lacks empty and falls back to lscpu', async () => {
  const fingerprint = await readNodeFingerprint(fileTree({ 'devices/system/cpu/': '' }), sampleNodeInfo('vm', { online_cpus: 2, numa_nodes: 1 }));
  assert.deepEqual([fingerprint.smt, fingerprint.frequency_governor, fingerprint.online_cpus, fingerprint.numa_nodes], ['', '', 2, 1]);
});

it('reads this machine', async () => {
  const fingerprint = await readNodeFingerprint('/sys', sampleNodeInfo('here', { online_cpus: 0 }));
  assert.ok(fingerprint.online_cpus >= 1);
});
