// Authorization delegated to the core API server: each request's attributes become a
// SubjectAccessReview, so the cluster's RBAC (or whatever authorizer it runs) decides who
// may do what with our resources. Decisions are cached briefly, as kube's delegating
// authorizer caches them.
import { AuthorizationV1Api, type KubeConfig, type V1SubjectAccessReviewSpec } from '@kubernetes/client-node';
import { LRUCache } from 'lru-cache';
import type { Authorizer, Decision, RequestAttributes } from '../auth.js';
import { timeoutAfter } from '../delegation/call-options.js';

export interface SubjectAccessReviewOptions {
  /** `--authorization-kubeconfig` (or the in-cluster configuration). */
  kubeConfig: KubeConfig;
  /** `--authorization-webhook-cache-authorized-ttl`: 10 s for extension servers. */
  allowedTtlMs?: number;
  /** `--authorization-webhook-cache-unauthorized-ttl`: 10 s for extension servers. */
  deniedTtlMs?: number;
  /** How long one review may take (kube's webhook timeout: 10 s). */
  timeoutMs?: number;
}

export class SubjectAccessReviewAuthorizer implements Authorizer {
  private readonly api: AuthorizationV1Api;
  private readonly decisions: LRUCache<string, Decision, V1SubjectAccessReviewSpec>;

  constructor(options: SubjectAccessReviewOptions) {
    this.api = options.kubeConfig.makeApiClient(AuthorizationV1Api);
    const allowedTtl = options.allowedTtlMs ?? 10_000;
    const deniedTtl = options.deniedTtlMs ?? 10_000;
    const timeout = timeoutAfter(options.timeoutMs ?? 10_000);
    this.decisions = new LRUCache<string, Decision, V1SubjectAccessReviewSpec>({
      max: 8192,
      ttl: allowedTtl,
      // Concurrent identical requests share one review; a failed review is not cached.
      fetchMethod: async (_key, _stale, { context: spec, options: entry }) => {
        const { status } = await this.api.createSubjectAccessReview(
          { body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SubjectAccessReview', spec } },
          timeout,
        );
        const decision: Decision = { allowed: status?.allowed === true, ...(status?.reason && { reason: status.reason }) };
        if (!decision.allowed) entry.ttl = deniedTtl;
        return decision;
      },
    });
  }

  async authorize(attrs: RequestAttributes): Promise<Decision> {
    const spec = reviewSpec(attrs);
    // The spec is the whole question, so it is the key (kube keys its cache the same way).
    const decision = await this.decisions.fetch(JSON.stringify(spec), { context: spec });
    return decision!;
  }
}

/** The SubjectAccessReview spec for a request, as kube's webhook authorizer builds it. */
export function reviewSpec(attrs: RequestAttributes): V1SubjectAccessReviewSpec {
  const { user } = attrs;
  return {
    user: user.name,
    ...(user.uid && { uid: user.uid }),
    groups: user.groups,
    ...(user.extra && { extra: user.extra }),
    ...(attrs.resourceRequest
      ? {
          resourceAttributes: {
            verb: attrs.verb,
            group: attrs.apiGroup ?? '',
            version: attrs.apiVersion ?? '',
            resource: attrs.resource ?? '',
            subresource: attrs.subresource ?? '',
            namespace: attrs.namespace ?? '',
            name: attrs.name ?? '',
          },
        }
      : { nonResourceAttributes: { path: attrs.path, verb: attrs.verb } }),
  };
}
