import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repositoryRoot } from '../../proto/repository-root.js';
import { agentMain, runNode } from '../support/node-processes.js';

describe('powerprof-agent parse', () => {
  it('prints one JSON object per counter row', async () => {
    const file = join(repositoryRoot, 'test/fixtures/perf-stat/perf-stat__lkml-arm64-bigLITTLE-per-pmu-expansion__1/stdout.txt');
    const result = await runNode(agentMain, ['parse', 'perf-stat', file]);
    assert.equal(result.code, 0);
    assert.equal(result.stderr, '');
    const lines = result.stdout
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { event: string; status: string });
    assert.deepEqual(
      lines.map((l) => [l.event, l.status]),
      [
        ['armv8_pmuv3_0/cycles/', 'counted'],
        ['armv8_pmuv3_1/cycles/', 'not_counted'],
        ['armv8_pmuv3_2/cycles/', 'not_counted'],
        ['armv8_pmuv3_3/cycles/', 'not_counted'],
      ],
    );
  });

  it('reads stdin, and lscpu', async () => {
    const result = await runNode(agentMain, ['parse', 'lscpu', '-'], { input: 'Architecture: ppc64le\nCPU(s): 8\nThread(s) per core: 4\n' });
    assert.equal(result.code, 0);
    assert.deepEqual(JSON.parse(result.stdout), {
      arch: 'ppc64le',
      model_name: '',
      cpus: 8,
      online_cpus: 8,
      threads_per_core: 4,
      cores_per_socket: 8,
      sockets: 1,
      numa_nodes: 1,
    });
  });

  it('on an error exits 1 with one line quoting the tool, and nothing on stdout', async () => {
    const result = await runNode(agentMain, ['parse', 'perf-stat'], {
      input: 'Error:\nThe sys_perf_event_open() syscall returned with 13 (Permission denied)\n',
    });
    assert.equal(result.code, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'perf-stat: perf stat printed no counters: "Error: The sys_perf_event_open() syscall returned with 13 (Permission denied)"\n');
  });

  it('an unknown kind is a usage error', async () => {
    const result = await runNode(agentMain, ['parse', 'bogus']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /parse needs a kind, one of: perf-stat, lscpu, ipmi-dcmi, ipmi-sdr, nvidia-smi \(got "bogus"\)/);
  });
});
