import { createHash, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { z } from 'zod';

/**
 * Bearer tokens for sites without a PKI (--tokens-file): each token, kept
 * only as its SHA-256, may write as the node ids listed with it ("*": any).
 *
 *   tokens:
 *     - sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
 *       nodes: [p9-node1, p9-node2]
 *
 * `powerprof-collector hash-token` prints the line for a token read on stdin.
 */
const tokenFileSchema = z.object({
  tokens: z
    .array(
      z
        .object({
          sha256: z.string().regex(/^[0-9a-f]{64}$/i, 'must be 64 hex digits (powerprof-collector hash-token prints it)'),
          nodes: z.array(z.string().min(1)).min(1, 'must list at least one node id, or "*"'),
        })
        .strict(),
    )
    .min(1),
});

export interface TokenGrants {
  /** The node ids a presented token may write as; undefined for an unknown token. */
  nodesFor(token: string): readonly string[] | undefined;
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function loadTokenFile(path: string): TokenGrants {
  let document: unknown;
  try {
    document = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    // The yaml package's errors carry a code too (BAD_INDENT): its sentence says where and what, which is what helps.
    const why =
      error instanceof YAMLParseError
        ? `not valid YAML: ${error.message.split('\n')[0]!.replace(/:$/, '')}`
        : ((error as NodeJS.ErrnoException).code ?? (error as Error).message.split('\n')[0]);
    throw new Error(
      `cannot read the tokens file "${path}": ${why} (it reads "tokens:", then "- sha256: HEX" and "nodes: [ID, ...]" per token; powerprof-collector hash-token prints an entry)`,
      { cause: error },
    );
  }
  const parsed = tokenFileSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new Error(`tokens file "${path}": ${issue.path.join('.') || 'the file'} ${issue.message}`);
  }
  const grants = parsed.data.tokens.map((entry) => ({ digest: Buffer.from(entry.sha256.toLowerCase(), 'hex'), nodes: entry.nodes }));
  return {
    nodesFor: (token) => {
      const digest = Buffer.from(hashToken(token), 'hex');
      // Compare against every entry, in constant time each, so timing says nothing of which matched.
      let found: readonly string[] | undefined;
      for (const grant of grants) if (timingSafeEqual(grant.digest, digest)) found ??= grant.nodes;
      return found;
    },
  };
}
