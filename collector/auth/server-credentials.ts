import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { Logger } from 'pino';

export interface TlsFiles {
  tls_cert?: string | undefined;
  tls_key?: string | undefined;
  tls_ca?: string | undefined;
}

/**
 * gRPC server credentials: plaintext, TLS (--tls-cert, --tls-key), or mTLS
 * (--tls-ca too: every client must present a certificate that CA signed).
 * The files are checked here, so that a bad one is a sentence at start, not
 * a failed handshake later.
 */
export function serverCredentials(files: TlsFiles, logger: Logger): grpc.ServerCredentials {
  if (files.tls_cert === undefined || files.tls_key === undefined) return grpc.ServerCredentials.createInsecure();
  const cert = readCertificate(files.tls_cert, '--tls-cert', logger);
  const key = readPrivateKey(files.tls_key);
  const ca = files.tls_ca === undefined ? null : readCertificate(files.tls_ca, '--tls-ca', logger);
  return grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], ca !== null);
}

function readCertificate(path: string, flag: string, logger: Logger): Buffer {
  const pem = readOrExplain(path, flag);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(pem);
  } catch (error) {
    throw new Error(`${flag} ${path} is not a PEM certificate: ${(error as Error).message}`, { cause: error });
  }
  if (Date.parse(certificate.validTo) < Date.now())
    logger.error({ file: path, validTo: certificate.validTo }, `${flag} certificate has expired; TLS handshakes will fail`);
  return pem;
}

/** A private key readable by others is refused, as sshd refuses one. */
function readPrivateKey(path: string): Buffer {
  const pem = readOrExplain(path, '--tls-key');
  const mode = statSync(path).mode & 0o777;
  if ((mode & 0o007) !== 0) throw new Error(`--tls-key ${path} is readable by others (mode ${mode.toString(8).padStart(4, '0')}): chmod 600 ${path}`);
  try {
    createPrivateKey(pem);
  } catch (error) {
    throw new Error(`--tls-key ${path} is not a PEM private key: ${(error as Error).message}`, { cause: error });
  }
  return pem;
}

function readOrExplain(path: string, flag: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new Error(`cannot read ${flag} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, { cause: error });
  }
}
