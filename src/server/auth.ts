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
  // A connection's certificate never changes; parsing it once per connection keeps it
  // off the per-request path.
  private readonly identities = new WeakMap<TLSSocket, UserInfo | null>();

  async authenticate(req: IncomingMessage): Promise<UserInfo | null> {
    const socket = req.socket as TLSSocket;
    let user = this.identities.get(socket);
    if (user === undefined) {
      const identity = socket.authorized ? identityFromCertificate(socket.getPeerCertificate()) : undefined;
      user = identity ? { name: identity.user, groups: withAuthenticated(identity.groups) } : null;
      this.identities.set(socket, user);
    }
    return user;
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
