import { isIP } from 'node:net';

/**
 * What counts as loopback, for the agent (may a token go in plaintext?) and
 * the collector (may it listen in plaintext?): 127.0.0.0/8, ::1 (also as
 * ::ffff:127.x.y.z), and the name `localhost`. Any other name is not
 * loopback, whatever it looks like ("127.evil.example" resolves anywhere).
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare.toLowerCase() === 'localhost') return true;
  const version = isIP(bare);
  if (version === 4) return bare.startsWith('127.');
  if (version === 6) {
    const lower = bare.toLowerCase();
    if (lower === '::1' || /^(0{0,4}:){7}0{0,3}1$/.test(lower)) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
    return mapped !== null && isIP(mapped[1]!) === 4 && mapped[1]!.startsWith('127.');
  }
  return false;
}

/** The host of HOST:PORT or [IPv6]:PORT, without brackets. */
export function hostOfAddress(hostPort: string): string {
  const host = hostPort.slice(0, hostPort.lastIndexOf(':'));
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}
