import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultPmuCounters, eventGroups } from '../../../agent/perf/event-groups.js';
import { eventPresets, isSoftwareEvent, presetForArch, resolveEvents } from '../../../agent/perf/event-presets.js';
import { architectureFamily, genericEventMeaning } from '../../../agent/perf/generic-event-meanings.js';

describe('event presets', () => {
  it("preset:seed is the original experiment's six counters", () => {
    assert.deepEqual(resolveEvents(['preset:seed'], 'x86_64'), {
      ok: true,
      events: ['cycles', 'instructions', 'cache-references', 'cache-misses', 'branches', 'branch-misses'],
    });
  });

  it("auto picks the architecture's preset", () => {
    assert.equal(presetForArch('ppc64le'), 'power9');
    assert.equal(presetForArch('aarch64'), 'arm');
    assert.equal(presetForArch('x86_64'), 'x86');
    assert.equal(presetForArch('riscv64'), 'default');
    const power = resolveEvents(['auto'], 'ppc64le');
    assert.ok(power.ok);
    for (const event of [
      'cycles',
      'instructions',
      'PM_RUN_CYC',
      'PM_RUN_INST_CMPL',
      'PM_LD_MISS_L1',
      'PM_DATA_FROM_L3MISS',
      'PM_DATA_FROM_MEMORY',
      'PM_BR_MPRED_CMPL',
    ]) {
      assert.ok(power.events.includes(event), event);
    }
  });

  it('mixes presets with events, keeping the first of duplicates', () => {
    assert.deepEqual(resolveEvents(['preset:seed', 'cycles', 'task-clock'], 'x86_64'), { ok: true, events: [...eventPresets.seed!, 'task-clock'] });
  });

  it('names the presets when one is unknown', () => {
    const resolved = resolveEvents(['preset:power11'], 'ppc64le');
    assert.ok(!resolved.ok);
    assert.match(resolved.error, /unknown event preset "preset:power11"; presets: preset:default, preset:seed, preset:power9, preset:x86, preset:arm, auto/);
  });

  it('tells software events from PMU events', () => {
    for (const event of ['task-clock', 'page-faults', 'cs', 'sched:sched_switch']) assert.ok(isSoftwareEvent(event), event);
    for (const event of ['cycles', 'PM_RUN_CYC', 'L1-dcache-loads', 'cpu/event=0x3c/']) assert.ok(!isSoftwareEvent(event), event);
  });
});

describe('what generic events count', () => {
  it('POWER9 cache events are L1 data-cache loads; x86 ones are last-level cache', () => {
    assert.equal(genericEventMeaning('cache-misses', 'ppc64le'), 'L1 data-cache load misses, counted at finish (PM_LD_MISS_L1_FIN)');
    assert.equal(genericEventMeaning('cache-references', 'ppc64le'), 'L1 data-cache load references (PM_LD_REF_L1)');
    assert.match(genericEventMeaning('cache-misses', 'x86_64'), /^last-level cache misses/);
    assert.match(genericEventMeaning('cache-misses', 'aarch64'), /L1D_CACHE_REFILL/);
    assert.equal(genericEventMeaning('PM_RUN_CYC', 'ppc64le'), '');
    assert.equal(architectureFamily('ppc64'), 'power');
  });
});

describe('--no-multiplex event groups', () => {
  it('splits hardware events into groups that fit, software events in every group', () => {
    const groups = eventGroups(['cycles', 'instructions', 'task-clock', 'cache-references', 'cache-misses', 'branches', 'branch-misses', 'page-faults'], 4);
    assert.deepEqual(groups, [
      ['cycles', 'instructions', 'cache-references', 'cache-misses', 'task-clock', 'page-faults'],
      ['branches', 'branch-misses', 'task-clock', 'page-faults'],
    ]);
  });

  it('keeps one group when everything fits', () => {
    assert.deepEqual(eventGroups(['cycles', 'task-clock'], 4), [['cycles', 'task-clock']]);
    assert.equal(defaultPmuCounters('aarch64'), 6);
  });
});
