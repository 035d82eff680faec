#!/usr/bin/env node
import { deferHeapShrinking } from './heap-tuning.js';

// First, before the agent's modules load: loading them is what has V8 schedule its heap shrinking.
deferHeapShrinking();
const { runAgentCli } = await import('./agent-cli.js');
await runAgentCli(process.argv.slice(2));
