#!/usr/bin/env node
import { tuneV8ForTheAgent } from './heap-tuning.js';

// First, before the agent's modules load: V8 sizes its heap and plans its work while they do.
tuneV8ForTheAgent();
const argv = process.argv.slice(2);
const { loadBundledAgentCli } = await import('./bundled-agent.js');
// The bundle (npm run build) starts in about half the CPU of the modules it is made of.
const { runAgentCli } = loadBundledAgentCli(argv[0]) ?? (await import('./agent-cli.js'));
await runAgentCli(argv);
