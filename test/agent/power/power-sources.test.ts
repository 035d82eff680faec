import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { loadProbeConfig, loadRunConfig } from '../../../agent/config.js';
import { probeHelp, runHelp } from '../../../agent/help-text.js';
import { powerSourceFlags, powerSourceNames, powerSourcePlugins, primaryOrder, selectedSourceNames } from '../../../agent/power/power-sources.js';
import { repositoryRoot } from '../../../proto/repository-root.js';

it('every folder under agent/power/sources/ is a source on the list, named as its folder', () => {
  const folders = readdirSync(join(repositoryRoot, 'agent/power/sources')).sort();
  assert.deepEqual([...powerSourceNames].sort(), folders);
});

it('--power, --power-primary, the flags and the help come from the list of sources', () => {
  assert.deepEqual(
    primaryOrder,
    ['ipmi-dcmi', 'simulated-dcmi', 'ipmi-sdr', 'hwmon', 'rapl'],
    'closest to the wall first; nvidia is a part of the node, never its whole',
  );
  for (const name of powerSourceNames) {
    const loaded = loadRunConfig(['--power', name, '--', 'true'], {});
    assert.ok(!loaded.help && loaded.config.power.includes(name), name);
  }
  assert.throws(() => loadRunConfig(['--power', 'nvidia', '--power-primary', 'nvidia', '--', 'true'], {}), /power-primary/);
  for (const flag of Object.keys(powerSourceFlags)) {
    assert.match(runHelp, new RegExp(`--${flag}\\b`), `run --help names --${flag}`);
    assert.match(probeHelp + runHelp, new RegExp(`--${flag}\\b`));
  }
  // A source's own option reaches the config under its snake_case key, from its flag.
  const probe = loadProbeConfig(['--sdr-sensors', 'PSU1 Input,PSU2 Input', '--nvidia-smi-path', '/opt/nvidia-smi'], {});
  assert.ok(!probe.help);
  assert.deepEqual([probe.config.sdr_sensors, probe.config.nvidia_smi_path], [['PSU1 Input', 'PSU2 Input'], '/opt/nvidia-smi']);
  assert.equal(powerSourcePlugins.length, powerSourceNames.length);
});

it('"--power auto" never picks the simulated BMC; naming it does', () => {
  assert.ok(!selectedSourceNames(['auto']).includes('simulated-dcmi'));
  assert.ok(selectedSourceNames(['auto']).includes('ipmi-dcmi'));
  assert.deepEqual(selectedSourceNames(['simulated-dcmi']), ['simulated-dcmi']);
  assert.ok(selectedSourceNames(['auto', 'simulated-dcmi']).includes('simulated-dcmi'));
  assert.deepEqual(selectedSourceNames(['none', 'auto']), []);
});
