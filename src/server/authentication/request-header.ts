// The front-proxy (request-header) authenticator: kube-apiserver's aggregator proxies a
// request to us over a connection authenticated with its front-proxy client certificate
// and names the user in X-Remote-* headers. The headers are believed only on such a
// connection; on any other they are removed before anything reads them.
import type { IncomingMessage } from 'node:http';
import type { X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { identityFromCertificate } from '../../pki/certificates.js';
import type { Authenticator, UserInfo } from '../auth.js';
import { verifiedPeerCertificate } from './certificate-chain.js';

/** Which headers carry the user (`--requestheader-*-headers`, `--requestheader-extra-headers-prefix`). */
export interface RequestHeaderNames {
  usernameHeaders: string[];
  uidHeaders: string[];
  groupHeaders: string[];
  extraHeaderPrefixes: string[];
}

export interface RequestHeaderConfig extends RequestHeaderNames {
  /** `--requestheader-client-ca-file`: the CA the proxy's client certificate must chain to. */
  caCertificates: X509Certificate[];
  /** `--requestheader-allowed-names`: the proxy certificate's CN must be one of these; empty allows any. */
  allowedNames: string[];
}

/** kube's defaults for extension API servers. */
export const DEFAULT_REQUEST_HEADER_NAMES: RequestHeaderNames = {
  usernameHeaders: ['X-Remote-User'],
  uidHeaders: ['X-Remote-Uid'],
  groupHeaders: ['X-Remote-Group'],
  extraHeaderPrefixes: ['X-Remote-Extra-'],
};

export class RequestHeaderAuthenticator implements Authenticator {
  /** `config` is read per request, so a CA or name change applies to the next request. */
  constructor(private readonly config: () => RequestHeaderConfig | undefined) {}

  async authenticate(req: IncomingMessage): Promise<UserInfo | null> {
    const config = this.config();
    if (!config) return null;
    const proxy = verifiedPeerCertificate(req.socket as TLSSocket, config.caCertificates);
    if (!proxy) return null;
    if (config.allowedNames.length > 0) {
      const commonName = identityFromCertificate(proxy)?.user;
      if (commonName === undefined || !config.allowedNames.includes(commonName)) return null;
    }
    return userFromHeaders(req, config);
  }
}

/** kube's reading of the headers: the first non-empty user and uid, every group and extra value. */
export function userFromHeaders(req: IncomingMessage, names: RequestHeaderNames): UserInfo | null {
  // headersDistinct keeps repeated headers apart; req.headers would join them with ", ".
  const headers = req.headersDistinct;
  const first = (headerNames: string[]): string | undefined =>
    headerNames.map((name) => headers[name.toLowerCase()]?.[0]).find((value) => !!value);
  const name = first(names.usernameHeaders);
  if (!name) return null;
  const groups = names.groupHeaders.flatMap((header) => headers[header.toLowerCase()] ?? []).filter((value) => value !== '');
  const extra: Record<string, string[]> = {};
  for (const prefix of names.extraHeaderPrefixes.map((p) => p.toLowerCase())) {
    for (const [header, values] of Object.entries(headers)) {
      if (!header.startsWith(prefix) || !values) continue;
      const key = unescapeExtraKey(header.slice(prefix.length));
      (extra[key] ??= []).push(...values);
    }
  }
  const uid = first(names.uidHeaders);
  return { name, ...(uid && { uid }), groups, ...(Object.keys(extra).length > 0 && { extra }) };
}

// Extra keys may hold characters a header name cannot (`authentication.kubernetes.io/x`),
// so the proxy percent-encodes them; like kube, a malformed escape leaves the key as sent.
function unescapeExtraKey(key: string): string {
  try {
    return decodeURIComponent(key);
  } catch {
    return key;
  }
}

/**
 * Removes every user-naming header, so nothing after authentication can trust one that a
 * client other than the front proxy set. Node lowercases header names.
 */
export function clearRequestHeaders(req: IncomingMessage, names: RequestHeaderNames[]): void {
  const exact = new Set(names.flatMap((n) => [...n.usernameHeaders, ...n.uidHeaders, ...n.groupHeaders]).map((h) => h.toLowerCase()));
  const prefixes = names.flatMap((n) => n.extraHeaderPrefixes).map((p) => p.toLowerCase());
  const named = (header: string): boolean => {
    const lower = header.toLowerCase();
    return exact.has(lower) || prefixes.some((prefix) => lower.startsWith(prefix));
  };
  for (const header of Object.keys(req.headers)) if (named(header)) delete req.headers[header];
  for (const header of Object.keys(req.headersDistinct)) if (named(header)) delete req.headersDistinct[header];
  const raw: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (!named(req.rawHeaders[i]!)) raw.push(req.rawHeaders[i]!, req.rawHeaders[i + 1]!);
  }
  req.rawHeaders.splice(0, req.rawHeaders.length, ...raw);
}
