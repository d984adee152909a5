// Aggregated mode assembled from its flags: whom we trust (client CA, front proxy), how
// tokens and permissions are checked (TokenReview, SubjectAccessReview against the core
// API server), and what the TLS server must ask clients for. Each trust anchor comes
// from its flag when given, else from kube-system/extension-apiserver-authentication,
// and follows changes of either without a restart.
import { readFile } from 'node:fs/promises';
import type { Authenticator, Authorizer } from '../auth.js';
import { ClientCaAuthenticator } from '../authentication/client-ca.js';
import { RequestHeaderAuthenticator } from '../authentication/request-header.js';
import { TokenReviewAuthenticator } from '../authentication/token-review.js';
import { UnionAuthenticator } from '../authentication/union.js';
import { allowPrivilegedGroups } from '../authorization/privileged-groups.js';
import { SubjectAccessReviewAuthorizer } from '../authorization/subject-access-review.js';
import { watchFiles, type FileWatch } from '../serving/file-watch.js';
import type { CaBundleSource } from '../serving/serving-certificate.js';
import { caBundle, watchAuthenticationConfigMap, type ClusterAuthentication } from './authentication-configmap.js';
import type { DelegationFlags } from './flags.js';
import { loadKubeConfig } from './kubeconfig.js';

export interface Delegation {
  authenticator: Authenticator;
  authorizer: Authorizer;
  /** `--tls-cert-file`/`--tls-private-key-file`, when given. */
  tls?: { certFile: string; keyFile: string };
  /** The CAs the TLS server must name when it asks for a client certificate. */
  clientCAs: CaBundleSource;
  /** Stops watching files and the ConfigMap. */
  close(): void;
}

export interface DelegationOptions {
  /** Something went wrong in the background (a watch, a review); the last good state stays in force. */
  onError?: (err: unknown, what: string) => void;
  /** How often CA files are re-read besides fs.watch events. */
  pollIntervalMs?: number;
}

export async function startDelegation(flags: DelegationFlags, options: DelegationOptions = {}): Promise<Delegation> {
  const onError = options.onError ?? (() => {});
  const trust = new Trust();
  const stops: (() => void)[] = [];
  const authenticationConfig = loadKubeConfig(flags.authenticationKubeconfig, '--authentication-kubeconfig');
  const authorizationConfig = loadKubeConfig(flags.authorizationKubeconfig, '--authorization-kubeconfig');

  try {
    if (flags.clientCaFile) {
      const file = flags.clientCaFile;
      const watch = await followFile(file, (pem) => trust.set({ clientCa: caBundle(pem, file) }), onError, options.pollIntervalMs);
      stops.push(() => watch.close());
    }
    const { requestHeader } = flags;
    if (requestHeader.clientCaFile) {
      const file = requestHeader.clientCaFile;
      const { clientCaFile: _, ...settings } = requestHeader;
      const watch = await followFile(
        file,
        (pem) => trust.set({ requestHeader: { ...settings, caPem: pem, caCertificates: caBundle(pem, file).certificates } }),
        onError,
        options.pollIntervalMs,
      );
      stops.push(() => watch.close());
    }
    if (!flags.clientCaFile || !requestHeader.clientCaFile) {
      // Only what the flags left open is taken from the ConfigMap.
      const fromCluster = (auth: ClusterAuthentication): void =>
        trust.set({
          ...(!flags.clientCaFile && { clientCa: auth.clientCa }),
          ...(!requestHeader.clientCaFile && { requestHeader: auth.requestHeader }),
        });
      const { initial, watch } = await watchAuthenticationConfigMap(authenticationConfig, {
        onChange: fromCluster,
        onError: (err) => onError(err, 'extension-apiserver-authentication'),
      });
      fromCluster(initial);
      stops.push(() => watch.stop());
    }
  } catch (err) {
    // Whatever was already being watched stops with the failed start.
    stops.forEach((stop) => stop());
    throw err;
  }

  const authenticator = new UnionAuthenticator(
    [
      new RequestHeaderAuthenticator(() => trust.state.requestHeader),
      new ClientCaAuthenticator(() => trust.state.clientCa?.certificates),
      new TokenReviewAuthenticator({ kubeConfig: authenticationConfig, onError: (err) => onError(err, 'TokenReview') }),
    ],
    () => trust.state.requestHeader,
  );
  const authorizer = allowPrivilegedGroups(new SubjectAccessReviewAuthorizer({ kubeConfig: authorizationConfig }));
  return {
    authenticator,
    authorizer,
    ...(flags.tls && { tls: flags.tls }),
    clientCAs: trust,
    close: () => stops.forEach((stop) => stop()),
  };
}

/**
 * Applies a CA file now (failing when it is unusable) and again whenever it changes; a
 * changed file that is unusable is reported and the previous CA stays in force.
 */
async function followFile(
  path: string,
  apply: (pem: string) => void,
  onError: (err: unknown, what: string) => void,
  pollIntervalMs: number | undefined,
): Promise<FileWatch> {
  const pem = await readFile(path, 'utf8');
  apply(pem);
  const report = (err: unknown): void => onError(err, path);
  return watchFiles(
    [path],
    [pem],
    ([changed]) => {
      try {
        apply(changed!);
      } catch (err) {
        report(err);
      }
    },
    { pollIntervalMs, onError: report },
  );
}

/** The trust anchors in force, and who to tell when they change. */
class Trust implements CaBundleSource {
  state: ClusterAuthentication = {};
  private readonly listeners = new Set<() => void>();

  set(update: ClusterAuthentication): void {
    this.state = { ...this.state, ...update };
    for (const listener of this.listeners) listener();
  }

  current(): string[] {
    return [this.state.clientCa?.pem, this.state.requestHeader?.caPem].filter((pem): pem is string => !!pem);
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}
