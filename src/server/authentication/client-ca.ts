// Client certificates against `--client-ca-file`: the certificate's CN is the user and
// its O values the groups, as kube-apiserver reads them.
import type { X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { identityFromCertificate } from '../../pki/certificates.js';
import type { Authenticator, UserInfo } from '../auth.js';
import { verifiedPeerCertificate } from './certificate-chain.js';

export class ClientCaAuthenticator implements Authenticator {
  /** `caCertificates` is read per request, so a changed CA applies to the next request. */
  constructor(private readonly caCertificates: () => X509Certificate[] | undefined) {}

  async authenticate(req: IncomingMessage): Promise<UserInfo | null> {
    const roots = this.caCertificates();
    if (!roots) return null;
    const leaf = verifiedPeerCertificate(req.socket as TLSSocket, roots);
    const identity = leaf && identityFromCertificate(leaf);
    return identity ? { name: identity.user, groups: identity.groups } : null;
  }
}
