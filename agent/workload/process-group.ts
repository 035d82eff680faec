import { readdirSync, readFileSync } from 'node:fs';

/**
 * The workload's process group: everything it started, which a timeout or
 * an interrupt must stop. Membership is read from /proc, where a killed
 * process that nobody has reaped yet (a zombie, e.g. under a PID 1 that
 * does not wait) counts as gone: it is dead, only its entry remains.
 */

export function signalGroup(pgid: number | undefined, signal: NodeJS.Signals): void {
  if (pgid === undefined) return;
  try {
    process.kill(-pgid, signal);
  } catch {
    // The group is already gone.
  }
}

/** Pids of the group's processes that are still running (not zombies). */
export function liveGroupMembers(pgid: number): number[] {
  const members: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited while we looked
    }
    // Fields after "pid (comm) ": state, ppid, pgrp, ...
    const [state, , pgrp] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(pgrp) === pgid && state !== 'Z' && state !== 'X') members.push(Number(entry));
  }
  return members;
}

/** Waits until the group has no live process, sending SIGKILL once the deadline passes. */
export async function reapGroup(pgid: number | undefined, killDeadline: number, pollMs: number): Promise<void> {
  if (pgid === undefined) return;
  while (liveGroupMembers(pgid).length > 0) {
    if (Date.now() >= killDeadline) signalGroup(pgid, 'SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
