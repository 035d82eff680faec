import { execFileSync } from 'node:child_process';
import { UsageError } from '../usage-error.js';

/** The account a workload runs as (--workload-user), when the agent is root. */
export interface WorkloadUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

/**
 * Looks the user up (getent, so LDAP and other NSS users count). Only root
 * can switch users; an agent that is not root runs workloads as itself.
 */
export function resolveWorkloadUser(name: string, agentUid: number | undefined): WorkloadUser {
  let entry: string;
  try {
    entry = execFileSync('getent', ['passwd', name], { encoding: 'utf8' }).trim();
  } catch {
    throw new UsageError(`--workload-user: there is no user "${name}" on this node (create one: useradd --system --no-create-home ${name})`);
  }
  const [, , uid, gid, , home] = entry.split(':');
  const user = { name, uid: Number(uid), gid: Number(gid), home: home ?? '/' };
  if (agentUid !== 0 && agentUid !== user.uid) throw new UsageError(`--workload-user ${name}: only an agent running as root can run workloads as another user`);
  return user;
}

/**
 * The command that runs the workload as the user: perf stays root (it needs
 * the privilege to count) and counts through setpriv into the workload.
 */
export function asUser(user: WorkloadUser, command: string, args: readonly string[]): { command: string; args: string[] } {
  return { command: 'setpriv', args: [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--init-groups', '--', command, ...args] };
}

/** The user's own HOME, USER and LOGNAME; the rest of the environment passes through. */
export function userEnvironment(user: WorkloadUser, env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, HOME: user.home, USER: user.name, LOGNAME: user.name };
}
