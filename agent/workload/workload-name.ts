import { basename, extname } from 'node:path';

const INTERPRETERS = /^(python[\d.]*|node|bash|sh|dash|zsh|perl|ruby|Rscript|java|julia|lua|php|taskset|numactl|env|nice|time)$/;

/**
 * A short name for the workload, used as a metric label: the script an
 * interpreter runs ("python3 resnet50.py 500" -> "resnet50"), else the program.
 */
export function workloadName(command: readonly string[]): string {
  let index = 0;
  while (index < command.length - 1 && INTERPRETERS.test(basename(command[index]!))) {
    // Inline code ("sh -c '...'", "python3 -c ...") has no better name than its interpreter.
    if (/^-[ce]$/.test(command[index + 1]!)) break;
    index++;
    while (index < command.length - 1 && command[index]!.startsWith('-')) index++;
  }
  const chosen = basename(command[index] ?? 'workload');
  const name = chosen.slice(0, chosen.length - extname(chosen).length) || chosen;
  return name.replace(/[^\w.:-]/g, '_').slice(0, 128);
}
