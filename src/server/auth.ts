// Who is asking, and may they: the two interfaces every request passes through, so
// standalone mode (client certificates from our CA, everyone authenticated allowed) and
// aggregated mode (front proxy, TokenReview, SubjectAccessReview) share one request path.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { identityFromCertificate } from '../pki/certificates.js';

export interface UserInfo {
  name: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export interface Authenticator {
  /** Resolves to null when the request carries no acceptable credential. */
  authenticate(req: IncomingMessage): Promise<UserInfo | null>;
}

export interface RequestAttributes {
  user: UserInfo;
  verb: string;
  resourceRequest: boolean;
  path: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

export interface Decision {
  allowed: boolean;
  reason?: string;
}

export interface Authorizer {
  authorize(attrs: RequestAttributes): Promise<Decision>;
}

/** Client certificates verified by the TLS layer against the client CA. */
export class ClientCertificateAuthenticator implements Authenticator {
  async authenticate(req: IncomingMessage): Promise<UserInfo | null> {
    const socket = req.socket as TLSSocket;
    if (!socket.authorized) return null;
    const identity = identityFromCertificate(socket.getPeerCertificate());
    if (!identity) return null;
    return { name: identity.user, groups: withAuthenticated(identity.groups) };
  }
}

export function withAuthenticated(groups: string[]): string[] {
  return groups.includes('system:authenticated') ? groups : [...groups, 'system:authenticated'];
}

/** Standalone mode: whoever holds a certificate from our CA is an administrator. */
export const allowAuthenticated: Authorizer = {
  async authorize() {
    return { allowed: true };
  },
};
