import { stringify } from 'yaml';
import { writePrivateFile } from './private-file.js';

export interface KubeconfigOptions {
  clusterName: string;
  /** The API server's URL, e.g. https://127.0.0.1:6443 */
  server: string;
  caPem: string;
  user: string;
  clientCertPem: string;
  clientKeyPem: string;
  namespace?: string;
}

/** A self-contained kubeconfig: certificates are embedded, so the file works when copied elsewhere. */
export function renderKubeconfig(options: KubeconfigOptions): string {
  const contextName = `${options.user}@${options.clusterName}`;
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: options.clusterName,
        cluster: { server: options.server, 'certificate-authority-data': base64(options.caPem) },
      },
    ],
    users: [
      {
        name: options.user,
        user: {
          'client-certificate-data': base64(options.clientCertPem),
          'client-key-data': base64(options.clientKeyPem),
        },
      },
    ],
    contexts: [
      {
        name: contextName,
        context: {
          cluster: options.clusterName,
          user: options.user,
          ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
        },
      },
    ],
    'current-context': contextName,
    preferences: {},
  });
}

/** Written owner-only: the file holds the admin's private key. */
export async function writeKubeconfig(path: string, options: KubeconfigOptions): Promise<void> {
  await writePrivateFile(path, renderKubeconfig(options));
}

function base64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}
