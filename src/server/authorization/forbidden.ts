// The 403 a denied request gets, worded exactly as kube-apiserver words it (kubectl shows
// the message as is, and people search for it).
import { goQuote } from '../../meta/go-format.js';
import * as errors from '../../meta/status.js';
import type { Decision, RequestAttributes } from '../auth.js';

export function forbiddenError(attrs: RequestAttributes, decision: Decision): errors.ApiError {
  const message = decision.reason ? `${forbiddenMessage(attrs)}: ${decision.reason}` : forbiddenMessage(attrs);
  if (!attrs.resourceRequest) return errors.forbidden({ group: '', resource: '' }, '', message);
  return errors.forbidden({ group: attrs.apiGroup ?? '', resource: attrs.resource ?? '' }, attrs.name ?? '', message);
}

function forbiddenMessage(attrs: RequestAttributes): string {
  const user = goQuote(attrs.user.name);
  if (!attrs.resourceRequest) return `User ${user} cannot ${attrs.verb} path ${goQuote(attrs.path)}`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : (attrs.resource ?? '');
  const scope = attrs.namespace ? `in the namespace ${goQuote(attrs.namespace)}` : 'at the cluster scope';
  return `User ${user} cannot ${attrs.verb} resource ${goQuote(resource)} in API group ${goQuote(attrs.apiGroup ?? '')} ${scope}`;
}
