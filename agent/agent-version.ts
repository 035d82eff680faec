import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { repositoryRoot } from '../proto/repository-root.js';

/** The agent's version: the package version it was installed from. */
export const agentVersion: string = (JSON.parse(readFileSync(join(repositoryRoot, 'package.json'), 'utf8')) as { version: string }).version;
