import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderKubeconfig } from '../../src/pki/kubeconfig.js';

const options = {
  clusterName: 'cosmos',
  server: 'https://127.0.0.1:6443',
  caPem: '-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n',
  user: 'cosmos-admin',
  clientCertPem: '-----BEGIN CERTIFICATE-----\nCLIENT\n-----END CERTIFICATE-----\n',
  clientKeyPem: '-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n',
};
const decode = (data: string) => Buffer.from(data, 'base64').toString('utf8');

describe('renderKubeconfig', () => {
  it('embeds the CA and client credentials as base64 and selects its one context', () => {
    const config = parse(renderKubeconfig(options));
    expect(config).toMatchObject({ apiVersion: 'v1', kind: 'Config', 'current-context': 'cosmos-admin@cosmos' });
    expect(config.clusters).toEqual([
      { name: 'cosmos', cluster: { server: options.server, 'certificate-authority-data': expect.any(String) } },
    ]);
    expect(decode(config.clusters[0].cluster['certificate-authority-data'])).toBe(options.caPem);
    expect(config.users[0].name).toBe('cosmos-admin');
    expect(decode(config.users[0].user['client-certificate-data'])).toBe(options.clientCertPem);
    expect(decode(config.users[0].user['client-key-data'])).toBe(options.clientKeyPem);
    expect(config.contexts).toEqual([
      { name: 'cosmos-admin@cosmos', context: { cluster: 'cosmos', user: 'cosmos-admin' } },
    ]);
  });

  it('sets the context namespace when one is given', () => {
    const config = parse(renderKubeconfig({ ...options, namespace: 'tenant-a' }));
    expect(config.contexts[0].context.namespace).toBe('tenant-a');
  });
});
