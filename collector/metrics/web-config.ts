import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import bcrypt from 'bcryptjs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/**
 * The metrics endpoint's web config (--web-config FILE), in the format of
 * Prometheus' exporter-toolkit, so the same file and the same Prometheus
 * scrape settings work here:
 *
 *   tls_server_config:
 *     cert_file: metrics.crt          # paths relative to this file
 *     key_file: metrics.key
 *     client_auth_type: RequireAndVerifyClientCert   # optional
 *     client_ca_file: ca.crt
 *   basic_auth_users:
 *     prometheus: $2y$10$...          # bcrypt hashes (htpasswd -nBC 10 "" | tr -d ':')
 */
const CLIENT_AUTH_TYPES = ['NoClientCert', 'VerifyClientCertIfGiven', 'RequireAndVerifyClientCert'] as const;

const webConfigSchema = z
  .object({
    tls_server_config: z
      .object({
        cert_file: z.string().min(1),
        key_file: z.string().min(1),
        client_auth_type: z.enum(CLIENT_AUTH_TYPES).default('NoClientCert'),
        client_ca_file: z.string().min(1).optional(),
      })
      .strict()
      .optional(),
    basic_auth_users: z.record(z.string().regex(/^\$2[aby]\$\d\d\$.{53}$/, 'must be a bcrypt hash ($2y$10$...)')).optional(),
  })
  .strict()
  .superRefine((config, context) => {
    const tls = config.tls_server_config;
    if (tls !== undefined && tls.client_auth_type !== 'NoClientCert' && tls.client_ca_file === undefined) {
      context.addIssue({
        code: z.ZodIssueCode.custom,
        path: ['tls_server_config', 'client_ca_file'],
        message: `is needed with client_auth_type ${tls.client_auth_type}`,
      });
    }
  });

export interface WebConfig {
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer; requestCert: boolean; rejectUnauthorized: boolean };
  /** True when the Authorization header carries a listed user and password; always true without users. */
  authorize(authorization: string | undefined): boolean;
}

export function loadWebConfig(path: string | undefined): WebConfig {
  if (path === undefined) return { authorize: () => true };
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8')) ?? {};
  } catch (error) {
    throw new Error(`cannot read --web-config "${path}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]}`, {
      cause: error,
    });
  }
  const parsed = webConfigSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`--web-config "${path}": ${issue.path.join('.')} ${issue.message}`);
  }
  const relative = (file: string): Buffer => {
    const resolved = isAbsolute(file) ? file : join(dirname(path), file);
    try {
      return readFileSync(resolved);
    } catch (error) {
      throw new Error(`--web-config "${path}": cannot read ${resolved}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, {
        cause: error,
      });
    }
  };
  const tlsConfig = parsed.data.tls_server_config;
  const users = parsed.data.basic_auth_users;
  // bcrypt is slow on purpose; a scraper sends the same credentials every time, so a match is remembered.
  const granted = new Set<string>();
  return {
    ...(tlsConfig === undefined
      ? {}
      : {
          tls: {
            cert: relative(tlsConfig.cert_file),
            key: relative(tlsConfig.key_file),
            ...(tlsConfig.client_ca_file === undefined ? {} : { ca: relative(tlsConfig.client_ca_file) }),
            requestCert: tlsConfig.client_auth_type !== 'NoClientCert',
            rejectUnauthorized: tlsConfig.client_auth_type === 'RequireAndVerifyClientCert',
          },
        }),
    authorize: (authorization) => {
      if (users === undefined) return true;
      const match = /^Basic ([A-Za-z0-9+/=]+)$/.exec(authorization ?? '');
      if (match === null) return false;
      const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon === -1) return false;
      const [user, password] = [decoded.slice(0, colon), decoded.slice(colon + 1)];
      const hash = users[user];
      if (hash === undefined) return false;
      const key = createHash('sha256').update(`${user}\0${password}\0${hash}`).digest('hex');
      if (granted.has(key)) return true;
      if (!bcrypt.compareSync(password, hash)) return false;
      granted.add(key);
      return true;
    },
  };
}
