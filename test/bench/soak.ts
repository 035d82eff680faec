import { performance } from 'node:perf_hooks';
import { describeTally, FaultRig, sleep } from '../support/fault-rig.js';

/**
 * The soak case: several agents for several minutes (power and counter
 * intervals at 10 Hz each) while the collector and Redis are SIGKILLed and
 * restarted at random. Prints produced / in Redis / duplicates / lost over
 * all nodes, the agents' CSV copies being what was produced.
 */
export async function soak(quick: boolean): Promise<void> {
  const agents = quick ? 3 : 4;
  const seconds = quick ? 30 : 180;
  const rig = await FaultRig.create();
  const restarts = { collector: 0, redis: 0 };
  try {
    await rig.startCollector();
    const nodes = Array.from({ length: agents }, (_, i) => `soak-${i + 1}`);
    // Each run is 1 s of sleep: repeat enough runs to last the soak.
    const running = nodes.map((node) => rig.startAgent(['--repeat', String(seconds), '--flush-timeout', '60'], ['sleep', '1'], node));
    const started = performance.now();
    while (performance.now() - started < (seconds - 5) * 1000) {
      await sleep(2_000 + Math.random() * 6_000);
      const down = 300 + Math.random() * 2_000;
      if (Math.random() < 0.5) {
        await rig.stopCollector('SIGKILL');
        await sleep(down);
        await rig.startCollector();
        restarts.collector++;
      } else {
        await rig.redis.kill();
        await sleep(down);
        await rig.redis.start();
        restarts.redis++;
      }
    }
    const codes = await Promise.all(running.map((agent) => agent.exited()));
    const tallies = await Promise.all(nodes.map((node) => rig.tally(node)));
    const total = tallies.reduce(
      (sum, tally) => ({
        ...sum,
        produced: sum.produced + tally.produced,
        inRedis: sum.inRedis + tally.inRedis,
        duplicates: sum.duplicates + tally.duplicates,
        lost: sum.lost + tally.lost,
      }),
      { ...tallies[0]!, produced: 0, inRedis: 0, duplicates: 0, lost: 0 },
    );
    const wall = ((performance.now() - started) / 1000).toFixed(0);
    process.stdout.write(
      `${describeTally(`soak (${agents} agents, ${wall} s, ${restarts.collector} collector and ${restarts.redis} Redis SIGKILL restarts; agent exit codes ${codes.join(',')})`, total)}\n`,
    );
  } finally {
    await rig.close();
  }
}
