import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { UsageError } from '../config.js';
import { readSecretFile } from '../secret-file.js';
import { hostOfAddress, isLoopbackHost } from '../../proto/loopback.js';

export interface TransportSettings {
  collector: string;
  tls_ca?: string | undefined;
  tls_cert?: string | undefined;
  tls_key?: string | undefined;
  tls_server_name?: string | undefined;
  token_file?: string | undefined;
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
  if ((settings.tls_cert === undefined) !== (settings.tls_key === undefined)) throw new UsageError('--tls-cert and --tls-key go together');
  const tls = settings.tls_ca !== undefined || settings.tls_cert !== undefined;
  const token = settings.token_file === undefined ? settings.token : readSecretFile(settings.token_file, '--token-file');
  if (token !== undefined && !tls && !isLoopbackHost(hostOfAddress(settings.collector))) {
    throw new UsageError(`a bearer token sent in plaintext to ${settings.collector} could be read on the wire: use TLS (--tls-ca FILE, the CA of the collector's certificate)`);
  }
  const credentials = tls
    ? grpc.credentials.createSsl(
        settings.tls_ca === undefined ? null : readFile(settings.tls_ca, '--tls-ca'),
        settings.tls_key === undefined ? null : Buffer.from(readSecretFile(settings.tls_key, '--tls-key')),
        settings.tls_cert === undefined ? null : readFile(settings.tls_cert, '--tls-cert'),
      )
    : grpc.credentials.createInsecure();
  const channelOptions: grpc.ChannelOptions = settings.tls_server_name === undefined ? {} : { 'grpc.ssl_target_name_override': settings.tls_server_name, 'grpc.default_authority': settings.tls_server_name };
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
