// kube-system/extension-apiserver-authentication: where kube-apiserver publishes how
// it authenticates clients (its client CA) and how its front proxy reaches extension
// servers (request-header CA, allowed names, header names). Read at start and watched,
// so a rotated front-proxy CA applies without restarting us.
import type { X509Certificate } from 'node:crypto';
import { CoreV1Api, ListWatch, Watch, type KubeConfig, type V1ConfigMap } from '@kubernetes/client-node';
import { parseCertificateBundle } from '../authentication/certificate-chain.js';
import type { RequestHeaderConfig } from '../authentication/request-header.js';

export const AUTHENTICATION_CONFIGMAP = { namespace: 'kube-system', name: 'extension-apiserver-authentication' };

export interface CaBundle {
  pem: string;
  certificates: X509Certificate[];
}

/** What the ConfigMap says; a part it does not have is absent. */
export interface ClusterAuthentication {
  clientCa?: CaBundle;
  requestHeader?: RequestHeaderConfig & { caPem: string };
}

export function caBundle(pem: string, source: string): CaBundle {
  const certificates = parseCertificateBundle(pem);
  if (certificates.length === 0) throw new Error(`${source}: no PEM certificate in it`);
  return { pem, certificates };
}

/** Reads the ConfigMap's data as kube does: the list values are JSON arrays of strings. */
export function parseAuthenticationConfigMap(data: Record<string, string> | undefined): ClusterAuthentication {
  const source = (key: string): string => `${AUTHENTICATION_CONFIGMAP.namespace}/${AUTHENTICATION_CONFIGMAP.name} ${key}`;
  const strings = (key: string): string[] => {
    const raw = data?.[key];
    if (!raw) return [];
    const parsed: unknown = JSON.parse(raw);
    if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) throw new Error(`${source(key)}: not a JSON array of strings`);
    return parsed;
  };
  const out: ClusterAuthentication = {};
  if (data?.['client-ca-file']) out.clientCa = caBundle(data['client-ca-file'], source('client-ca-file'));
  const requestHeaderCa = data?.['requestheader-client-ca-file'];
  if (requestHeaderCa) {
    out.requestHeader = {
      caPem: requestHeaderCa,
      caCertificates: caBundle(requestHeaderCa, source('requestheader-client-ca-file')).certificates,
      allowedNames: strings('requestheader-allowed-names'),
      usernameHeaders: strings('requestheader-username-headers'),
      uidHeaders: strings('requestheader-uid-headers'),
      groupHeaders: strings('requestheader-group-headers'),
      extraHeaderPrefixes: strings('requestheader-extra-headers-prefix'),
    };
  }
  return out;
}

export interface ConfigMapWatch {
  stop(): void;
}

export interface ConfigMapWatchOptions {
  /** The ConfigMap changed (or is gone: then everything it said is withdrawn). */
  onChange(authentication: ClusterAuthentication): void;
  /** The watch failed (it is retried) or the ConfigMap could not be read (the last good reading stays). */
  onError(err: unknown): void;
}

const RETRY_MIN_MS = 1_000;
const RETRY_MAX_MS = 30_000;

/**
 * Resolves with the ConfigMap as it is now, or fails when it cannot be read (a server that
 * cannot learn whom to trust must not start); then keeps following it.
 */
export async function watchAuthenticationConfigMap(
  kubeConfig: KubeConfig,
  options: ConfigMapWatchOptions,
): Promise<{ initial: ClusterAuthentication; watch: ConfigMapWatch }> {
  const { namespace, name } = AUTHENTICATION_CONFIGMAP;
  const core = kubeConfig.makeApiClient(CoreV1Api);
  const fieldSelector = `metadata.name=${name}`;
  // Listing by name (rather than a GET) is what the reader Role, which names the
  // ConfigMap, allows for list and watch alike, and what the informer resumes from.
  const initialList = await core.listNamespacedConfigMap({ namespace, fieldSelector });
  const initial = parseAuthenticationConfigMap(initialList.items[0]?.data);

  const informer = new ListWatch<V1ConfigMap>(
    `/api/v1/namespaces/${namespace}/configmaps`,
    new Watch(kubeConfig),
    () => core.listNamespacedConfigMap({ namespace, fieldSelector }),
    false,
    undefined,
    fieldSelector,
  );
  let retryMs = RETRY_MIN_MS;
  const apply = (configMap: V1ConfigMap): void => {
    retryMs = RETRY_MIN_MS;
    try {
      options.onChange(parseAuthenticationConfigMap(configMap.data));
    } catch (err) {
      options.onError(err);
    }
  };
  informer.on('add', apply);
  informer.on('update', apply);
  informer.on('delete', () => {
    retryMs = RETRY_MIN_MS;
    options.onChange({});
  });

  // The informer stops on an error; it is restarted with a growing delay.
  let stopped = false;
  let retry: NodeJS.Timeout | undefined;
  informer.on('error', (err) => {
    options.onError(err);
    if (stopped) return;
    retry = setTimeout(() => void informer.start(), retryMs);
    retry.unref();
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  });
  // The initial state is already known; the watch connects in the background.
  void informer.start();

  return {
    initial,
    watch: {
      stop() {
        stopped = true;
        clearTimeout(retry);
        void informer.stop();
      },
    },
  };
}
