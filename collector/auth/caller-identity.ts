import type { PeerCertificate } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type { TokenGrants } from './token-file.js';

/**
 * Who may write as which node. With mTLS (--tls-ca), a caller may write as
 * the node ids its client certificate names (its CN and its DNS SANs); with
 * a tokens file, as the ids its bearer token is granted; with both, only
 * where both agree. With neither, any caller may write as any node (on
 * loopback, or where the network is trusted).
 */
export interface AccessPolicy {
  clientCertificates: boolean;
  tokens: TokenGrants | undefined;
}

export type Caller =
  { ok: true; mayWriteAs(nodeId: string): string | undefined } | { ok: false; code: grpc.status; reason: 'unauthenticated'; message: string };

interface CallLike {
  metadata: grpc.Metadata;
  getAuthContext(): { sslPeerCertificate?: PeerCertificate | undefined };
}

export function identifyCaller(call: CallLike, policy: AccessPolicy): Caller {
  let certificateIds: string[] | undefined;
  if (policy.clientCertificates) {
    certificateIds = certificateNodeIds(call.getAuthContext().sslPeerCertificate);
    if (certificateIds.length === 0) return unauthenticated('the client certificate names no node (no CN or DNS subject alternative name)');
  }
  let tokenIds: readonly string[] | undefined;
  if (policy.tokens !== undefined) {
    const header = String(call.metadata.get('authorization')[0] ?? '');
    const token = /^Bearer (.+)$/i.exec(header)?.[1];
    if (token === undefined) return unauthenticated('no bearer token: give the agent its token with --token-file or POWERPROF_TOKEN');
    tokenIds = policy.tokens.nodesFor(token);
    if (tokenIds === undefined) return unauthenticated("the bearer token is not in the collector's tokens file");
  }
  return {
    ok: true,
    mayWriteAs: (nodeId) => {
      if (certificateIds !== undefined && !certificateIds.includes(nodeId)) {
        return `the client certificate is for ${list(certificateIds)}; it may not write as node "${nodeId}"`;
      }
      if (tokenIds !== undefined && !tokenIds.includes('*') && !tokenIds.includes(nodeId)) {
        return `the bearer token is for ${list(tokenIds)}; it may not write as node "${nodeId}"`;
      }
      return undefined;
    },
  };
}

/** The CN and the DNS subject alternative names of a client certificate. */
export function certificateNodeIds(certificate: PeerCertificate | undefined): string[] {
  if (certificate === undefined || certificate === null || Object.keys(certificate).length === 0) return [];
  const ids = new Set<string>();
  const commonName = certificate.subject?.CN;
  for (const name of Array.isArray(commonName) ? commonName : [commonName]) if (typeof name === 'string' && name !== '') ids.add(name);
  for (const entry of (certificate.subjectaltname ?? '').split(',')) {
    const match = /^\s*DNS:(.+?)\s*$/.exec(entry);
    if (match !== null) ids.add(match[1]!);
  }
  return [...ids];
}

function unauthenticated(message: string): Caller {
  return { ok: false, code: grpc.status.UNAUTHENTICATED, reason: 'unauthenticated', message };
}

function list(ids: readonly string[]): string {
  return ids.length === 1 ? `node "${ids[0]}"` : `nodes ${ids.map((id) => `"${id}"`).join(', ')}`;
}
