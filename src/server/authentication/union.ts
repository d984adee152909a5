// kube's delegating authentication chain: front proxy, then client certificates, then
// bearer tokens; the first that knows the request wins, and every identity it yields is
// in system:authenticated.
import type { IncomingMessage } from 'node:http';
import { withAuthenticated, type Authenticator, type UserInfo } from '../auth.js';
import { clearRequestHeaders, DEFAULT_REQUEST_HEADER_NAMES, type RequestHeaderNames } from './request-header.js';

export class UnionAuthenticator implements Authenticator {
  /**
   * `headerNames` are the request-header names in force; they and kube's defaults are
   * removed from every request once authentication is done, whoever sent them.
   */
  constructor(
    private readonly authenticators: Authenticator[],
    private readonly headerNames: () => RequestHeaderNames | undefined,
  ) {}

  async authenticate(req: IncomingMessage): Promise<UserInfo | null> {
    try {
      for (const authenticator of this.authenticators) {
        const user = await authenticator.authenticate(req);
        if (user) return { ...user, groups: withAuthenticated(user.groups) };
      }
      return null;
    } finally {
      clearRequestHeaders(req, [DEFAULT_REQUEST_HEADER_NAMES, this.headerNames() ?? DEFAULT_REQUEST_HEADER_NAMES]);
      // As kube-apiserver does: the credential has done its job and goes no further.
      delete req.headers.authorization;
    }
  }
}
