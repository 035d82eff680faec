import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { repositoryRoot } from '../../proto/repository-root.js';

const units = ['powerprof-agent.service', 'powerprof-collector.service', 'powerprof-sink.service'];
const unitPath = (unit: string): string => join(repositoryRoot, 'deploy/systemd', unit);

function directives(unit: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const line of readFileSync(unitPath(unit), 'utf8').split('\n')) {
    const match = /^([A-Za-z]+)=(.*)$/.exec(line);
    if (match) found.set(match[1]!, [...(found.get(match[1]!) ?? []), match[2]!]);
  }
  return found;
}

/** "→ Overall exposure level for X: 1.9 OK" from systemd-analyze security --offline. */
function exposure(unit: string): number {
  const result = spawnSync('systemd-analyze', ['security', '--offline=true', unitPath(unit)], { encoding: 'utf8' });
  if (result.error !== undefined) throw new Error(`systemd-analyze could not run (apt-get install systemd): ${result.error.message}`);
  const match = /Overall exposure level for \S+: (\d+\.\d+)/.exec(result.stdout + result.stderr);
  assert.ok(match, result.stdout + result.stderr);
  return Number(match[1]);
}

describe('deploy/systemd units', () => {
  for (const unit of units) {
    it(`${unit}: systemd-analyze verify is clean`, () => {
      const result = spawnSync('systemd-analyze', ['verify', unitPath(unit)], { encoding: 'utf8' });
      assert.equal(result.status, 0, result.stderr);
      assert.equal(result.stderr.trim(), '');
    });

    it(`${unit}: its system call filter lets Node start (pkey_alloc, pkey_mprotect) and fails, not kills, a call outside it`, () => {
      const d = directives(unit);
      const allowed = d
        .get('SystemCallFilter')!
        .filter((line) => !line.startsWith('~'))
        .join(' ')
        .split(/\s+/);
      assert.ok(allowed.includes('@system-service') && allowed.includes('@pkey'), `SystemCallFilter=${allowed.join(' ')}`);
      assert.deepEqual(d.get('SystemCallErrorNumber'), ['EPERM']);
      // systemd knows @pkey as the calls Node makes (a filter that named nothing real would pass verify too).
      const pkey = spawnSync('systemd-analyze', ['syscall-filter', '@pkey'], { encoding: 'utf8' });
      assert.match(pkey.stdout, /pkey_alloc/);
      assert.match(pkey.stdout, /pkey_mprotect/);
    });

    it(`${unit}: hardened (a dedicated user, no new privileges, a read-only system, private /tmp and /home)`, () => {
      const d = directives(unit);
      assert.deepEqual(d.get('User'), ['powerprof']);
      for (const [key, value] of [
        ['NoNewPrivileges', 'yes'],
        ['ProtectSystem', 'strict'],
        ['ProtectHome', 'yes'],
        ['PrivateTmp', 'yes'],
        ['RestrictSUIDSGID', 'yes'],
      ]) {
        assert.deepEqual(d.get(key!), [value], `${key}=${value}`);
      }
    });
  }

  it('the collector has no capabilities at all; the agent only CAP_PERFMON, and writes only its spool', () => {
    assert.deepEqual(directives('powerprof-collector.service').get('CapabilityBoundingSet'), ['']);
    const agent = directives('powerprof-agent.service');
    assert.deepEqual(agent.get('CapabilityBoundingSet'), ['CAP_PERFMON']);
    assert.deepEqual(agent.get('ReadWritePaths'), ['/var/lib/powerprof']);
    assert.deepEqual(agent.get('DeviceAllow'), ['/dev/ipmi0 rw']);
  });

  it("the security page (docs/security.md) states each unit's systemd-analyze security exposure as it is", () => {
    const readme = readFileSync(join(repositoryRoot, 'docs/security.md'), 'utf8');
    for (const unit of units) {
      const score = exposure(unit);
      assert.ok(score < 2.5, `${unit}: exposure ${score}`);
      assert.match(
        readme,
        new RegExp(`${unit.replace('.', '\\.')}\\D+${score.toFixed(1).replace('.', '\\.')}\\b`),
        `docs/security.md: ${unit} exposure ${score.toFixed(1)}`,
      );
    }
  });
});
