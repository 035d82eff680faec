import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { countCpuList, parseLscpu } from '../../../agent/node-info/parse-lscpu.js';
import { captureCases } from '../../support/capture-cases.js';

describe('parseLscpu over captured outputs', () => {
  for (const capture of captureCases('lscpu')) {
    it(capture.name, () => {
      const parsed = parseLscpu(capture.stdout);
      assert.ok(parsed.ok);
      assert.deepEqual([parsed.info], capture.expected);
    });
  }
});

describe('parseLscpu', () => {
  it('counts online CPUs when SMT is off and CPUs are offline (POWER9 host)', () => {
    const capture = captureCases('lscpu').find((c) => c.name.includes('smt1-offline'))!;
    const parsed = parseLscpu(capture.stdout);
    assert.ok(parsed.ok);
    assert.equal(parsed.info.cpus, 128);
    assert.equal(parsed.info.online_cpus, 32);
    assert.equal(parsed.info.threads_per_core, 1);
  });

  it('counts only NUMA nodes that hold CPUs (AC922 lists six, two populated)', () => {
    const capture = captureCases('lscpu').find((c) => c.name.includes('ac922'))!;
    const parsed = parseLscpu(capture.stdout);
    assert.ok(parsed.ok);
    assert.equal(parsed.info.numa_nodes, 2);
  });

  it('reads a 4-socket Xeon with long NUMA CPU lists', () => {
    const capture = captureCases('lscpu').find((c) => c.name.includes('xeon8268'))!;
    const parsed = parseLscpu(capture.stdout);
    assert.ok(parsed.ok);
    assert.deepEqual(
      [parsed.info.sockets, parsed.info.cores_per_socket, parsed.info.numa_nodes, parsed.info.model_name],
      [4, 24, 4, 'Intel(R) Xeon(R) Platinum 8268 CPU @ 2.90GHz'],
    );
  });

  it('reads ARM Neoverse (Graviton2)', () => {
    const capture = captureCases('lscpu').find((c) => c.name.includes('graviton2'))!;
    const parsed = parseLscpu(capture.stdout);
    assert.ok(parsed.ok);
    assert.deepEqual([parsed.info.arch, parsed.info.model_name, parsed.info.cpus], ['aarch64', 'Neoverse-N1', 2]);
  });

  it('names the CPU from vendor and model when there is no Model name', () => {
    const parsed = parseLscpu('Architecture: aarch64\nCPU(s): 4\nVendor ID: ARM\nModel: 3\n');
    assert.ok(parsed.ok);
    assert.equal(parsed.info.model_name, 'ARM model 3');
    assert.equal(parsed.info.online_cpus, 4);
  });

  it("reads this machine's lscpu", () => {
    const parsed = parseLscpu(execFileSync('lscpu', { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } }));
    assert.ok(parsed.ok);
    assert.ok(parsed.info.cpus >= 1);
    assert.ok(parsed.info.online_cpus >= 1 && parsed.info.online_cpus <= parsed.info.cpus);
  });

  it('refuses what is not lscpu output', () => {
    assert.deepEqual(parseLscpu('lscpu: failed to determine number of CPUs\n'), {
      ok: false,
      error: 'not lscpu output: "lscpu: failed to determine number of CPUs"',
    });
  });

  it('counts CPU lists', () => {
    assert.equal(countCpuList('0-3,8,10-11'), 7);
  });
});
