import { z } from 'zod';
import { readSecretFile } from '../../secret-file.js';
import type { IpmiConnection } from './ipmitool.js';
import type { IpmitoolSession } from './ipmitool-runner.js';

/** How ipmi-dcmi and ipmi-sdr reach the BMC: options, flags and help they share. */
export const ipmiOptions = {
  ipmitool_path: z.string().min(1).default('ipmitool'),
  ipmi_host: z.string().min(1).optional(),
  ipmi_port: z.coerce.number().int().min(1).max(65535).optional(),
  ipmi_user: z.string().min(1).optional(),
  // Only from the environment (POWERPROF_IPMI_PASSWORD) or a file: ps would show a flag.
  ipmi_password: z.string().min(1).optional(),
  ipmi_password_file: z.string().min(1).optional(),
  ipmi_cipher_suite: z.coerce.number().int().min(0).max(17).optional(),
  ipmi_args: z.string().default(''),
  ipmi_session: z.enum(['shell', 'process']).default('shell'),
};

export const ipmiFlags = {
  'ipmitool-path': { type: 'string' },
  'ipmi-host': { type: 'string' },
  'ipmi-port': { type: 'string' },
  'ipmi-user': { type: 'string' },
  'ipmi-password-file': { type: 'string' },
  'ipmi-cipher-suite': { type: 'string' },
  'ipmi-args': { type: 'string' },
  'ipmi-session': { type: 'string' },
} as const;

export const ipmiHelp = `  --ipmitool-path PATH  default "ipmitool"
  --ipmi-host HOST      a remote BMC over lanplus (default: this node's /dev/ipmi0)
  --ipmi-port N, --ipmi-user NAME, --ipmi-cipher-suite N (many BMCs need 3)
  --ipmi-password-file FILE   the BMC password; or POWERPROF_IPMI_PASSWORD in the
                        environment; never a flag (ps shows argv)
  --ipmi-args "ARGS"    more ipmitool arguments
  --ipmi-session MODE   shell (default: one long-lived "ipmitool shell", ~0.5 ms a
                        reading) or process (one ipmitool per reading, ~25-50 ms)
`;

type IpmiOptions = z.infer<z.ZodObject<typeof ipmiOptions>>;

/** The connection and session mode a source's ipmitool runner needs. */
export function ipmiSettings(options: IpmiOptions, timeoutMs: number): { connection: IpmiConnection; session: IpmitoolSession } {
  const password = options.ipmi_password_file !== undefined ? readSecretFile(options.ipmi_password_file, '--ipmi-password-file') : options.ipmi_password;
  return {
    connection: {
      ipmitoolPath: options.ipmitool_path,
      ...(options.ipmi_host === undefined ? {} : { host: options.ipmi_host }),
      ...(options.ipmi_port === undefined ? {} : { port: options.ipmi_port }),
      ...(options.ipmi_user === undefined ? {} : { user: options.ipmi_user }),
      ...(password === undefined ? {} : { password }),
      ...(options.ipmi_cipher_suite === undefined ? {} : { cipherSuite: options.ipmi_cipher_suite }),
      extraArgs: options.ipmi_args.split(/\s+/).filter((arg) => arg !== ''),
      timeoutMs,
    },
    session: options.ipmi_session,
  };
}
