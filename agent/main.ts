#!/usr/bin/env node
import { tuneV8ForTheAgent } from './heap-tuning.js';

// First, before the agent's modules load: V8 sizes its heap and plans its work while they do.
tuneV8ForTheAgent();
const { runAgentCli } = await import('./agent-cli.js');
await runAgentCli(process.argv.slice(2));
