// Requests that name no resource (discovery, /openapi, /version, /metrics) are
// authorized by path, with the HTTP method as the verb, as kube's request info has them.
import type { RequestAttributes, UserInfo } from '../auth.js';

export function nonResourceAttributes(user: UserInfo, method: string, path: string): RequestAttributes {
  return { user, verb: method.toLowerCase(), resourceRequest: false, path };
}
