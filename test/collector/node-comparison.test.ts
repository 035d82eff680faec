import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compareNodes } from '../../collector/report/node-comparison.js';

describe('nodes side by side', () => {
  const run = (node: string, seconds: number, joulesPerItem: number, extra: Record<string, string> = {}) => ({
    node,
    status: 'ok',
    warmup: 'false',
    duration_s: String(seconds),
    items: '500',
    joules_per_item: String(joulesPerItem),
    instructions: '2000',
    cycles: '1000',
    ...extra,
  });

  it("takes each node's medians over measured runs and flags a node more than 20 % off the median", () => {
    const rows = compareNodes([
      run('a', 10, 1.0),
      run('a', 12, 1.1),
      run('a', 99, 9, { warmup: 'true' }),
      run('b', 10, 1.05),
      run('c', 11, 1.6),
      run('d', 10, 1.0, { status: 'failed' }),
    ]);
    assert.deepEqual(
      rows.map((row) => row.node),
      ['a', 'b', 'c'],
      'failed-only nodes have no measured runs',
    );
    assert.equal(rows[0]!.figures.get('seconds per run'), 11);
    assert.equal(rows[0]!.figures.get('items/s'), (500 / 10 + 500 / 12) / 2);
    assert.equal(rows[0]!.figures.get('IPC'), 2);
    assert.deepEqual([...rows[2]!.outliers], ['J/item']);
    assert.deepEqual([rows[0]!.outliers.size, rows[1]!.outliers.size], [0, 0]);
  });

  it('flags nothing with fewer than three nodes: there is no majority to differ from', () => {
    assert.ok(compareNodes([run('a', 10, 1), run('b', 30, 3)]).every((row) => row.outliers.size === 0));
  });
});
