import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { UsageError } from '../usage-error.js';
import { readSecretFile } from '../secret-file.js';
import { hostOfAddress, isLoopbackHost } from '../../proto/loopback.js';

/** Where the collector is and how to talk to it safely. */
export interface TransportSettings {
  collector: string;
  tlsCa?: string | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  tlsServerName?: string | undefined;
  tokenFile?: string | undefined;
  token?: string | undefined;
}

export interface ChannelSecurity {
  credentials: grpc.ChannelCredentials;
  channelOptions: grpc.ChannelOptions;
  /** Metadata for every call: the bearer token, when there is one. */
  metadata(): grpc.Metadata;
}

/**
 * How the agent talks to the collector: plaintext, TLS (--tls-ca: the CA
 * that signed the collector's certificate; the system's roots otherwise),
 * mTLS (--tls-cert, --tls-key: this node's certificate), and a bearer token
 * (--token-file, mode 0600, or POWERPROF_TOKEN), which is never sent in
 * plaintext off loopback.
 */
export function channelSecurity(settings: TransportSettings): ChannelSecurity {
  if ((settings.tlsCert === undefined) !== (settings.tlsKey === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const tls = settings.tlsCa !== undefined || settings.tlsCert !== undefined;
  const token = settings.tokenFile === undefined ? settings.token : readSecretFile(settings.tokenFile, '--token-file');
  if (token !== undefined && !tls && !isLoopbackHost(hostOfAddress(settings.collector))) {
    throw new UsageError(
      `a bearer token sent in plaintext to ${settings.collector} could be read on the wire: use TLS (--tls-ca FILE, the CA of the collector's certificate)`,
    );
  }
  const credentials = tls
    ? grpc.credentials.createSsl(
        settings.tlsCa === undefined ? null : readFile(settings.tlsCa, '--tls-ca'),
        settings.tlsKey === undefined ? null : Buffer.from(readSecretFile(settings.tlsKey, '--tls-key')),
        settings.tlsCert === undefined ? null : readFile(settings.tlsCert, '--tls-cert'),
      )
    : grpc.credentials.createInsecure();
  const channelOptions: grpc.ChannelOptions =
    settings.tlsServerName === undefined ? {} : { 'grpc.ssl_target_name_override': settings.tlsServerName, 'grpc.default_authority': settings.tlsServerName };
  return {
    credentials,
    channelOptions,
    metadata: () => {
      const metadata = new grpc.Metadata();
      if (token !== undefined) metadata.set('authorization', `Bearer ${token}`);
      return metadata;
    },
  };
}

function readFile(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new UsageError(`cannot read ${flag} "${path}": ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}
