// Bearer tokens, checked by the core API server with a TokenReview (what kube's
// delegating authenticator does), the answers cached briefly.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { AuthenticationV1Api, type KubeConfig } from '@kubernetes/client-node';
import { LRUCache } from 'lru-cache';
import type { Authenticator, UserInfo } from '../auth.js';
import { timeoutAfter } from '../delegation/call-options.js';

export interface TokenReviewOptions {
  /** `--authentication-kubeconfig` (or the in-cluster configuration). */
  kubeConfig: KubeConfig;
  /** kube's `--authentication-token-webhook-cache-ttl` default for extension servers: 10 s, for answers either way. */
  cacheTtlMs?: number;
  /** How long one review may take (kube's webhook timeout: 10 s). */
  timeoutMs?: number;
  /** A review that failed (unreachable, error answer): the request is then unauthenticated. */
  onError?: (err: unknown) => void;
}

interface Review {
  user: UserInfo | null;
}

export class TokenReviewAuthenticator implements Authenticator {
  private readonly api: AuthenticationV1Api;
  private readonly reviews: LRUCache<string, Review, string>;
  private readonly timeoutMs: number;

  constructor(private readonly options: TokenReviewOptions) {
    this.api = options.kubeConfig.makeApiClient(AuthenticationV1Api);
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.reviews = new LRUCache<string, Review, string>({
      // Bounded, so a flood of made-up tokens cannot grow memory.
      max: 4096,
      ttl: options.cacheTtlMs ?? 10_000,
      // Concurrent requests with one token share one review; failures are not cached.
      fetchMethod: (_key, _stale, { context: token }) => this.review(token),
    });
  }

  async authenticate(req: IncomingMessage): Promise<UserInfo | null> {
    const token = bearerToken(req.headers.authorization);
    if (!token) return null;
    // Tokens are credentials: the cache keeps only their digest.
    const key = createHash('sha256').update(token).digest('base64');
    try {
      const review = await this.reviews.fetch(key, { context: token });
      return review?.user ?? null;
    } catch (err) {
      this.options.onError?.(err);
      return null;
    }
  }

  private async review(token: string): Promise<Review> {
    const { status } = await this.api.createTokenReview(
      { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenReview', spec: { token } } },
      timeoutAfter(this.timeoutMs),
    );
    if (status?.error) throw new Error(`TokenReview: ${status.error}`);
    const user = status?.authenticated ? status.user : undefined;
    if (!user?.username) return { user: null };
    return {
      user: {
        name: user.username,
        ...(user.uid && { uid: user.uid }),
        groups: user.groups ?? [],
        ...(user.extra && { extra: user.extra }),
      },
    };
  }
}

/** As kube reads `Authorization: Bearer <token>`: scheme case-insensitive, token non-empty. */
export function bearerToken(header: string | undefined): string | undefined {
  const parts = (header ?? '').trim().split(' ');
  if (parts.length < 2 || parts[0]!.toLowerCase() !== 'bearer') return undefined;
  return parts[1] || undefined;
}
