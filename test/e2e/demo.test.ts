import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { repositoryRoot } from '../../proto/repository-root.js';

it('the demo (--quick) runs the whole pipeline and leaves the CSVs and the report in powerprof-out/', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'powerprof-demo-'));
  const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
    const env = { ...process.env };
    delete env.REDIS_URL;
    const child = spawn(process.execPath, [join(repositoryRoot, 'dist/deploy/demo/run-demo.js'), '--quick'], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
    child.once('exit', (exitCode) => resolve({ code: exitCode, output: text }));
  });
  assert.equal(code, 0, output);
  const runs = readFileSync(join(cwd, 'powerprof-out/runs.csv'), 'utf8').trimEnd().split('\n');
  assert.equal(runs.length, 12, 'a header and eleven runs');
  assert.ok(
    runs.slice(1).every((row) => /,(resnet50|synthetic-mlp),/.test(row) && row.includes(',ok,')),
    runs.join('\n'),
  );
  for (const file of ['power.csv', 'counters.csv', 'report.html']) assert.ok(existsSync(join(cwd, 'powerprof-out', file)), file);
  assert.match(readFileSync(join(cwd, 'powerprof-out/report.html'), 'utf8'), /data-title="Time Elapsed"/);
  assert.match(output, /powerprof_runs_total\{node="[^"]+",workload="(resnet50|synthetic-mlp)",status="ok"\} 11/);
  if (!runs[0]!.includes('energy_joules')) assert.match(output, /No power meter works on this machine, so the runs have no energy/);
});
