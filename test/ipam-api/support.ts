// What the IPAM API tests share: paths, objects and requests as a client writes them, and
// waiting for what the server's controllers do a moment after a write.
import { setTimeout as sleep } from 'node:timers/promises';
import type { HttpResult, RunningApiServer } from '../support/apiserver.js';

const GROUP_VERSION = 'vpc.miloapis.com/v1alpha1';

export const vpcsPath = (ns: string, name?: string) => `/apis/${GROUP_VERSION}/namespaces/${ns}/vpcs${name ? `/${name}` : ''}`;
export const attachmentsPath = (ns: string, name?: string) => `/apis/${GROUP_VERSION}/namespaces/${ns}/vpcattachments${name ? `/${name}` : ''}`;
export const allocatePath = (ns: string, vpc: string, query = '') => `${vpcsPath(ns, vpc)}/allocate${query}`;

let namespaces = 0;
/** A namespace of its own for each test, so tests on one server never see each other. */
export const freshNamespace = (): string => `ipam-${process.pid}-${++namespaces}`;

export async function createVpc(server: RunningApiServer, ns: string, name: string, networks: string[]): Promise<void> {
  const res = await server.request('POST', vpcsPath(ns), { body: { apiVersion: GROUP_VERSION, kind: 'VPC', metadata: { name }, spec: { networks } } });
  if (res.status !== 201) throw new Error(`creating VPC ${ns}/${name}: ${res.status} ${res.body}`);
}

export function attachment(name: string, vpc: string, addresses: string[]) {
  return { apiVersion: GROUP_VERSION, kind: 'VPCAttachment', metadata: { name }, spec: { vpc: { name: vpc }, interface: { name: 'eth0', addresses } } };
}

export interface AllocationSpec {
  owner: string;
  families?: string[];
  addresses?: string[];
}

export function allocate(server: RunningApiServer, ns: string, vpc: string, spec: AllocationSpec, query = ''): Promise<HttpResult> {
  return server.request('POST', allocatePath(ns, vpc, query), { body: { apiVersion: GROUP_VERSION, kind: 'AddressAllocation', spec } });
}

/** The addresses of a successful allocation answer (CIDR form). */
export function granted(res: HttpResult): string[] {
  if (res.status !== 200 && res.status !== 201) throw new Error(`allocation refused: ${res.status} ${res.body}`);
  return res.json<{ status: { addresses: string[] } }>().status.addresses;
}

/** Owner → addresses, as GET .../allocate lists them. */
export async function allocations(server: RunningApiServer, ns: string, vpc: string): Promise<Map<string, string[]>> {
  const res = await server.request('GET', allocatePath(ns, vpc));
  if (res.status !== 200) throw new Error(`listing allocations: ${res.status} ${res.body}`);
  const list = res.json<{ kind: string; items: { spec: { owner: string }; status: { addresses: string[] } }[] }>();
  return new Map(list.items.map((i) => [i.spec.owner, i.status.addresses]));
}

export const addressOf = (cidr: string) => cidr.slice(0, cidr.lastIndexOf('/'));

/** Polls `read` until `done` holds of what it returns, and returns that; fails with the last value. */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

/** The object as the server has it now; null once it is gone. */
export async function read(server: RunningApiServer, path: string): Promise<any> {
  const res = await server.request('GET', path);
  if (res.status === 404) return null;
  if (res.status !== 200) throw new Error(`GET ${path}: ${res.status} ${res.body}`);
  return res.json();
}
