import { stringify } from 'yaml';
import { hashToken } from '../auth/token-file.js';
import { UsageError } from '../config.js';

/** `powerprof-collector hash-token [NODE_ID...] < TOKEN`: the token's entry for --tokens-file. */
export async function hashTokenCommand(nodes: string[], input: NodeJS.ReadableStream, output: NodeJS.WritableStream): Promise<number> {
  let text = '';
  for await (const chunk of input) text += String(chunk);
  const token = text.replace(/\r?\n$/, '');
  if (token === '' || token.includes('\n')) throw new UsageError('give one token on stdin, e.g. powerprof-collector hash-token node-a < node-a.token');
  if (token.length < 16) throw new UsageError(`a ${token.length}-character token is too easy to guess; use at least 16 (openssl rand -hex 32)`);
  output.write(stringify([{ sha256: hashToken(token), nodes: nodes.length === 0 ? ['*'] : nodes }], { flowCollectionPadding: false }));
  return 0;
}
