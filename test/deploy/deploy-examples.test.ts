import assert from 'node:assert/strict';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadRunConfig } from '../../agent/config.js';
import { loadServeConfig } from '../../collector/config.js';
import { repositoryRoot } from '../../proto/repository-root.js';

it('the example configs in deploy/config load as they are', () => {
  const agent = loadRunConfig(['--config', join(repositoryRoot, 'deploy/config/agent.example.yaml'), '--', 'true'], {});
  assert.ok(!agent.help);
  assert.equal(agent.config.repeat, 11);
  const collector = loadServeConfig(['--config', join(repositoryRoot, 'deploy/config/collector.example.yaml')], {});
  assert.ok(!collector.help);
  assert.equal(collector.config.retention_maxlen, 1_000_000);
});
