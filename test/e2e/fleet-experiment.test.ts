import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { freePort } from '../support/free-port.js';
import { agentMain, type Background, collectorMain, runNode, serveArgs, startNode } from '../support/node-processes.js';
import { startRedisServer } from '../support/redis-server.js';

describe("fleet experiments: experiment start sends a job over the agents' open streams", () => {
  it('nodes whose allow-list names the workload run it; another refuses it and says why; status and report follow it', async () => {
    const redisServer = await startRedisServer();
    const [grpcPort, metricsPort] = [await freePort(), await freePort()];
    const collector = startNode(collectorMain, serveArgs(grpcPort, metricsPort, redisServer.url));
    const dir = mkdtempSync(join(tmpdir(), 'powerprof-fleet-'));
    const daemons: Background[] = [];
    try {
      await collector.waitFor(/collector serving/);
      const nodes: Array<[string, string]> = [
        ['fleet-a', '    quick: [sh, -c, "echo \'items: 100\'"]'],
        ['fleet-b', '    quick: [sh, -c, "echo \'items: 100\'"]'],
        ['fleet-c', "    other: [sh, -c, 'true']"],
      ];
      for (const [node, workloads] of nodes) {
        const file = join(dir, `${node}.yaml`);
        writeFileSync(
          file,
          `agent:\n  collector: 127.0.0.1:${grpcPort}\n  node_id: ${node}\n  spool: ${join(dir, 'spool')}\n  power: none\n  idle_s: 0\n  events: task-clock\n  workloads:\n${workloads}\n`,
        );
        const daemon = startNode(agentMain, ['daemon', '--config', file]);
        daemons.push(daemon);
        await daemon.waitFor(/daemon running/);
      }
      await collector.waitFor(/"node":"fleet-c".*agent waits for jobs/);
      await collector.waitFor(/"node":"fleet-a".*agent waits for jobs/);
      await collector.waitFor(/"node":"fleet-b".*agent waits for jobs/);

      const start = await runNode(collectorMain, [
        'experiment',
        'start',
        '--redis',
        redisServer.url,
        '--nodes',
        'fleet-*',
        '--repeat',
        '2',
        '--wait-s',
        '3',
        '--',
        'quick',
      ]);
      assert.equal(start.code, 0, start.stderr);
      const id = /^experiment ([0-9a-f-]{36}): quick x2 on fleet-\*$/m.exec(start.stdout)?.[1];
      assert.ok(id, start.stdout);
      assert.match(start.stdout, /sent to 3 node\(s\): fleet-a, fleet-b, fleet-c/);
      await daemons[0]!.waitFor(/fleet experiment starting/);
      await daemons[2]!.waitFor(/job refused: its workload is not in this node's allow-list/);

      let status = '';
      for (let attempt = 0; attempt < 60 && !/2 of 3 node\(s\) done/.test(status); attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = (await runNode(collectorMain, ['experiment', 'status', id, '--redis', redisServer.url])).stdout;
      }
      assert.match(status, /^fleet-a\s+done\s+2\s+2 run\(s\) recorded$/m);
      assert.match(status, /^fleet-b\s+done\s+2\s+2 run\(s\) recorded$/m);
      assert.match(status, /^fleet-c\s+refused\s+0\s+"quick" is not in this node's workloads \(its allow-list\): other$/m);

      const out = join(dir, 'report.html');
      const report = await runNode(collectorMain, ['report', '--redis', redisServer.url, '--experiment', id, '--out', out]);
      assert.equal(report.code, 0, report.stderr);
      const html = readFileSync(out, 'utf8');
      assert.match(html, /<h2>Nodes side by side<\/h2>/);
      assert.match(html, /4 runs on 2 nodes \(fleet-a, fleet-b\)/);
      const unknown = await runNode(collectorMain, ['experiment', 'status', '00000000-0000-0000-0000-000000000000', '--redis', redisServer.url]);
      assert.equal(unknown.code, 1);
    } finally {
      await Promise.all(daemons.map((daemon) => daemon.stop('SIGTERM')));
      await collector.stop('SIGKILL');
      await redisServer.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
