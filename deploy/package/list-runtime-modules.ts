import { repositoryRoot } from '../../proto/repository-root.js';
import { roleEntries, runtimeModules } from './runtime-modules.js';

const usage = 'usage: list-runtime-modules.js [--with-optional] agent|collector...';

// Prints, one per line, the node_modules folders that deploy/install-files.sh copies for the roles.
function main(args: string[]): number {
  const withOptional = args.includes('--with-optional');
  const roles = args.filter((arg) => arg !== '--with-optional');
  if (roles.length === 0 || roles.some((role) => roleEntries[role] === undefined)) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const { folders, leftOut } = runtimeModules(repositoryRoot, roles, withOptional);
  for (const name of leftOut) process.stderr.write(`leaving out ${name}, an optional dependency\n`);
  process.stdout.write(folders.map((folder) => `${folder}\n`).join(''));
  return 0;
}

process.exitCode = main(process.argv.slice(2));
