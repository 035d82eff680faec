import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadProbeConfig, loadRunConfig, type RunConfig } from '../../agent/config.js';
import { UsageError } from '../../agent/usage-error.js';
import { eventPresets } from '../../agent/perf/event-presets.js';

function config(argv: string[], env: NodeJS.ProcessEnv = {}): RunConfig {
  const loaded = loadRunConfig(argv, env);
  assert.ok(!loaded.help);
  return loaded.config;
}

describe('agent run configuration', () => {
  it('has defaults that work', () => {
    const c = config(['--', 'python3', 'resnet50.py', '500', '1']);
    assert.equal(c.collector, '127.0.0.1:50051');
    assert.equal(c.repeat, 1);
    assert.deepEqual(c.events, [...eventPresets.default!]);
    assert.deepEqual(c.command, ['python3', 'resnet50.py', '500', '1']);
    assert.ok(Object.isFrozen(c));
  });

  it('layers file < environment < flags', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'powerprof-config-')), 'agent.yaml');
    writeFileSync(file, 'agent:\n  repeat: 5\n  node_id: from-file\n  collector: file:1\n  events: [cycles, instructions]\n');
    const c = config(['--config', file, '--collector', 'flag:2', '--', 'true'], { POWERPROF_NODE_ID: 'from-env', POWERPROF_COLLECTOR: 'env:3' });
    assert.deepEqual([c.repeat, c.node_id, c.collector, c.events], [5, 'from-env', 'flag:2', ['cycles', 'instructions']]);
  });

  it('the spool: sizes with units, a default place that fits the user, and a floor', () => {
    const c = config(['--spool-max-bytes', '512MiB', '--', 'true']);
    assert.equal(c.spool_max_bytes, 512 * 1024 ** 2);
    assert.equal(config(['--', 'true']).spool_max_bytes, 1024 ** 3);
    assert.equal(
      config(['--', 'true']).spool,
      process.getuid?.() === 0 ? '/var/lib/powerprof/spool' : join(process.env.HOME ?? '', '.local/state/powerprof/spool'),
    );
    assert.equal(config(['--', 'true'], { POWERPROF_SPOOL: '/data/spool', POWERPROF_SPOOL_MAX_BYTES: '2G' }).spool, '/data/spool');
    assert.equal(config(['--', 'true'], { POWERPROF_SPOOL_MAX_BYTES: '2G' }).spool_max_bytes, 2 * 1024 ** 3);
    assert.throws(() => config(['--spool-max-bytes', 'lots', '--', 'true']), /spool-max-bytes: must be a size in bytes, like 1073741824, 512MiB or 1GiB/);
    assert.throws(() => config(['--spool-max-bytes', '1k', '--', 'true']), /spool-max-bytes: must be at least 64KiB/);
  });

  it('splits event lists on commas outside PMU slashes', () => {
    assert.deepEqual(config(['--events', 'cycles,cpu/event=0x3c,umask=0x00/,instructions', '--', 'true']).events, [
      'cycles',
      'cpu/event=0x3c,umask=0x00/',
      'instructions',
    ]);
  });

  it('lists every problem in one error', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'powerprof-config-')), 'agent.yaml');
    writeFileSync(file, 'repeat: 2\nrepaet: 3\n');
    assert.throws(
      () => loadRunConfig(['--config', file, '--timeout=-1', '--events', ''], { POWERPROF_REPEAT: 'many' }),
      (error: Error) => {
        assert.ok(error instanceof UsageError);
        assert.equal(
          error.message,
          'invalid configuration:\n  - no workload: give the command after "--", e.g. powerprof-agent run -- python3 resnet50.py\n' +
            '  - repeat: Expected number, received nan\n  - events: needs at least one event\n  - timeout: Number must be greater than or equal to 0\n  - unknown option: repaet',
        );
        return true;
      },
    );
  });

  it('says when the config file is missing or not YAML', () => {
    assert.throws(() => loadRunConfig(['--config', '/nonexistent.yaml', '--', 'true'], {}), /cannot read config file "\/nonexistent.yaml": ENOENT/);
    const file = join(mkdtempSync(join(tmpdir(), 'powerprof-config-')), 'bad.yaml');
    writeFileSync(file, 'repeat: [\n');
    assert.throws(() => loadRunConfig(['--config', file, '--', 'true'], {}), /is not valid YAML/);
  });
});

it('probe takes --node-id and POWERPROF_NODE_ID, for a host whose name is not a valid node id (an initramfs\'s "(none)")', () => {
  const flagged = loadProbeConfig(['--node-id', 'p9-guest'], {});
  assert.ok(!flagged.help && flagged.config.node_id === 'p9-guest');
  const fromEnvironment = loadProbeConfig([], { POWERPROF_NODE_ID: 'p9-env' });
  assert.ok(!fromEnvironment.help && fromEnvironment.config.node_id === 'p9-env');
});
