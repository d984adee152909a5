// How the API server finds a router's RIB: the agent that runs the router writes, into
// annotations on that BGPRouter, the URL to GET and the SHA-256 of the certificate it
// serves with. The API server connects with its client certificate, checks the agent's
// chain against the agent CA and pins the certificate to the fingerprint, so an endpoint
// can only be claimed by someone allowed to annotate the router.
import { createHash, X509Certificate } from 'node:crypto';
import { RIB_CERT_SHA256_ANNOTATION, RIB_ENDPOINT_ANNOTATION } from '../../api/rib.js';
import { CustomObjectsApi, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { BGPRouter } from '../../api/types.generated.js';
import type { OwnWrites } from '../watch/own-writes.js';
import { BGP_GROUP, BGP_RESOURCES, BGP_VERSION } from '../watch/resources.js';
import { RIB_PATH_PREFIX } from './server.js';


/** Lowercase hex SHA-256 of the certificate's DER encoding (Go: sha256.Sum256(cert.Raw)). */
export function certificateSha256(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex');
}

export function ribAnnotations(baseUrl: string, certSha256: string, router: { namespace: string; name: string }): Record<string, string> {
  const path = `${RIB_PATH_PREFIX}${encodeURIComponent(router.namespace)}/${encodeURIComponent(router.name)}`;
  return { [RIB_ENDPOINT_ANNOTATION]: new URL(path, baseUrl).toString(), [RIB_CERT_SHA256_ANNOTATION]: certSha256 };
}

export class RibRegistration {
  private readonly api: CustomObjectsApi;

  constructor(
    kubeconfig: KubeConfig,
    private readonly endpoint: { baseUrl: string; certSha256: string },
    private readonly logger: Logger,
    private readonly fieldManager: string,
    private readonly own: OwnWrites,
  ) {
    this.api = kubeconfig.makeApiClient(CustomObjectsApi);
  }

  /** Annotates each router whose annotations do not already point here. */
  async register(routers: readonly BGPRouter[]): Promise<void> {
    for (const router of routers) {
      const { namespace, name } = router.metadata as { namespace: string; name: string };
      const wanted = ribAnnotations(this.endpoint.baseUrl, this.endpoint.certSha256, { namespace, name });
      const current = this.own.latest(router).metadata.annotations ?? {};
      if (Object.entries(wanted).every(([k, v]) => current[k] === v)) continue;
      const updated = await this.api.patchNamespacedCustomObject(
        {
          group: BGP_GROUP,
          version: BGP_VERSION,
          namespace,
          plural: BGP_RESOURCES.routers.plural,
          name,
          body: { metadata: { annotations: wanted } },
          fieldManager: this.fieldManager,
        },
        setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
      );
      this.own.record(router, updated as BGPRouter);
      this.logger.info({ kind: 'BGPRouter', namespace, name, endpoint: wanted[RIB_ENDPOINT_ANNOTATION] }, 'RIB endpoint registered');
    }
  }
}
