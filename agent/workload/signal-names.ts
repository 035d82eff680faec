/**
 * perf stat reports a workload killed by a signal only as psignal() text on
 * its stderr ("sh: Killed") and exits 0. These are glibc's strsignal() words.
 */
const signalByDescription: ReadonlyMap<string, string> = new Map([
  ['Hangup', 'SIGHUP'],
  ['Interrupt', 'SIGINT'],
  ['Quit', 'SIGQUIT'],
  ['Illegal instruction', 'SIGILL'],
  ['Trace/breakpoint trap', 'SIGTRAP'],
  ['Aborted', 'SIGABRT'],
  ['Bus error', 'SIGBUS'],
  ['Floating point exception', 'SIGFPE'],
  ['Killed', 'SIGKILL'],
  ['User defined signal 1', 'SIGUSR1'],
  ['Segmentation fault', 'SIGSEGV'],
  ['User defined signal 2', 'SIGUSR2'],
  ['Broken pipe', 'SIGPIPE'],
  ['Alarm clock', 'SIGALRM'],
  ['Terminated', 'SIGTERM'],
  ['Stack fault', 'SIGSTKFLT'],
  ['CPU time limit exceeded', 'SIGXCPU'],
  ['File size limit exceeded', 'SIGXFSZ'],
  ['Virtual timer expired', 'SIGVTALRM'],
  ['Profiling timer expired', 'SIGPROF'],
  ['Bad system call', 'SIGSYS'],
  ['Power failure', 'SIGPWR'],
]);

/**
 * The signal perf says ended the workload, from the last line perf wrote to
 * stderr, or undefined when that line is not perf's psignal() message.
 */
export function signalFromPerfStderr(stderrTail: string, argv0: string): string | undefined {
  const lines = stderrTail.split('\n').filter((line) => line.trim() !== '');
  const last = lines.at(-1)?.trim();
  const prefix = `${argv0}: `;
  if (last === undefined || !last.startsWith(prefix)) return undefined;
  const description = last.slice(prefix.length).replace(/ \(core dumped\)$/, '');
  return signalByDescription.get(description);
}
