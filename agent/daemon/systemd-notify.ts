import { spawn } from 'node:child_process';

/**
 * Tells systemd (Type=notify) that the daemon is ready, or stopping, when it
 * runs under systemd (NOTIFY_SOCKET set). Node cannot send on a unix datagram
 * socket without an addon, so systemd's own systemd-notify sends it; the unit
 * says NotifyAccess=all so that a child may speak for the service.
 */
export function notifySystemd(state: 'READY=1' | 'STOPPING=1' | 'RELOADING=1', env: NodeJS.ProcessEnv = process.env): void {
  if (env.NOTIFY_SOCKET === undefined || env.NOTIFY_SOCKET === '') return;
  const child = spawn('systemd-notify', [`--pid=${process.pid}`, state], { stdio: 'ignore' });
  child.on('error', () => undefined); // no systemd-notify: systemd's start timeout will say so
}
