// What the benchmarks talk to the API server with: a keep-alive HTTPS client holding the
// admin credentials of the server's kubeconfig, and a typical object to create.
import { Agent, request } from 'node:https';
import type { Credentials } from '../test/support/apiserver.js';

export { readCredentials } from '../test/support/apiserver.js';

export interface Client {
  call(method: string, path: string, body?: string, headers?: Record<string, string>): Promise<{ status: number; body: Buffer }>;
  agent: Agent;
}

export function client(port: number, creds: Credentials, maxSockets: number): Client {
  const agent = new Agent({ keepAlive: true, maxSockets, ca: creds.ca, cert: creds.cert, key: creds.key });
  return {
    agent,
    call: (method, path, body, headers = {}) =>
      new Promise((res, rej) => {
        const req = request(
          { host: '127.0.0.1', port, method, path, agent, headers: { 'Content-Type': 'application/json', ...headers } },
          (r) => {
            const chunks: Buffer[] = [];
            r.on('data', (c: Buffer) => chunks.push(c));
            r.on('end', () => res({ status: r.statusCode ?? 0, body: Buffer.concat(chunks) }));
          },
        );
        req.on('error', rej);
        req.end(body);
      }),
  };
}

/** A BGPRouter as a user would write it: the plain create the benchmarks compare against. */
export function router(name: string, namespace: string): string {
  return JSON.stringify({
    apiVersion: 'bgp.miloapis.com/v1alpha1',
    kind: 'BGPRouter',
    metadata: { name, namespace, labels: { bench: 'api' } },
    spec: {
      targetRef: { kind: 'Node', name: `node-${name}` },
      localASN: 65001,
      routerID: '10.0.0.1',
      roles: ['fabric'],
      addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }, { afi: 'ipv6', safi: 'unicast' }],
    },
  });
}
