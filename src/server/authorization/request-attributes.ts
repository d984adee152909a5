// What the authorizer is asked about a request, as kube's request info has it: a
// resource request by verb, group, resource, subresource, namespace and name; anything
// else (discovery, /openapi, /version, /metrics) by path, with the HTTP method as verb.
import type { RequestAttributes, UserInfo } from '../auth.js';
import type { ResourcePath } from '../resource-path.js';

export function nonResourceAttributes(user: UserInfo, method: string, path: string): RequestAttributes {
  return { user, verb: method.toLowerCase(), resourceRequest: false, path };
}

export function resourceAttributes(user: UserInfo, verb: string, path: ResourcePath, pathname: string): RequestAttributes {
  return {
    user,
    verb,
    resourceRequest: true,
    path: pathname,
    apiGroup: path.group,
    apiVersion: path.version,
    resource: path.resource,
    subresource: path.subresource || undefined,
    namespace: path.namespace,
    name: path.name,
  };
}
