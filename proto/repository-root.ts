import { fileURLToPath } from 'node:url';

/**
 * The repository root, for files that ship next to the code (.proto, .lua,
 * workloads). Compiled code lives in dist/, one level below the root.
 */
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));
