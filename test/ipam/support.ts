// What the IPAM tests share: both storage backends behind one face, VPC objects, and an
// audit of IPAM's keys that reads storage on its own terms (the documented layout), not
// through the module under test.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStorage } from '../../storage/embedded/index.js';
import { EtcdStorage } from '../../storage/etcd.js';
import type { Storage } from '../../storage/interface.js';
import type { VpcObject } from '../../src/ipam/request.js';
import { startEtcd, type RunningEtcd } from '../support/etcd.js';

export interface Backend {
  name: 'embedded' | 'etcd';
  start(): Promise<void>;
  /**
   * A storage client: on etcd a new, independent one each call (as another apiserver
   * process would have); the embedded store has one owner, so always the same.
   */
  client(): Storage;
  stop(): Promise<void>;
}

export function embeddedBackend(): Backend {
  let dir = '';
  let storage: EmbeddedStorage | undefined;
  return {
    name: 'embedded',
    async start() {
      dir = await mkdtemp(join(tmpdir(), 'ipam-embedded-'));
      storage = await EmbeddedStorage.open(dir);
    },
    client: () => storage!,
    async stop() {
      await storage?.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export function etcdBackend(): Backend & { endpoint(): string } {
  let etcd: RunningEtcd | undefined;
  const clients: EtcdStorage[] = [];
  return {
    name: 'etcd',
    async start() {
      etcd = await startEtcd();
    },
    endpoint: () => etcd!.endpoint,
    client() {
      const storage = new EtcdStorage({ endpoints: [etcd!.endpoint] });
      clients.push(storage);
      return storage;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.close()));
      await etcd?.stop();
    },
  };
}

export const bothBackends = (): Backend[] => [embeddedBackend(), etcdBackend()];

let namespaces = 0;
/** A namespace of its own for each test, so tests on one store never see each other. */
export const freshNamespace = (): string => `ns-${process.pid}-${++namespaces}`;

export function vpc(name: string, networks: string[], opts: { deleting?: boolean } = {}): VpcObject {
  return {
    metadata: { name, uid: `uid-${name}`, ...(opts.deleting && { deletionTimestamp: '2024-01-01T00:00:00Z' }) },
    spec: { networks },
  };
}

/** The object a registry would write for a VPC (for attachment ops, which read it). */
export const encodeVpc = (namespace: string, v: VpcObject) =>
  new TextEncoder().encode(JSON.stringify({ apiVersion: 'vpc.miloapis.com/v1alpha1', kind: 'VPC', ...v, metadata: { ...v.metadata, namespace } }));

export const vpcKey = (namespace: string, name: string) => `/registry/vpc.miloapis.com/vpcs/${namespace}/${name}`;

const decoder = new TextDecoder();

async function listAll(storage: Storage, prefix: string): Promise<{ key: string; value: Record<string, unknown> }[]> {
  const { items } = await storage.list(prefix);
  return items.map((kv) => ({ key: kv.key.slice(prefix.length), value: JSON.parse(decoder.decode(kv.value)) as Record<string, unknown> }));
}

export interface AuditResult {
  /** Address → owner, from the address keys. */
  holders: Map<string, string>;
  /** Owner → addresses (CIDR), from the owner keys. */
  owners: Map<string, string[]>;
  /** Every way the two disagree; empty when IPAM is consistent. */
  problems: string[];
}

/**
 * Checks that every address key has exactly one owner whose owner key lists it, and that
 * every address an owner key lists has its address key naming that owner.
 */
export async function audit(storage: Storage, namespace: string, vpcName: string): Promise<AuditResult> {
  const addressKeys = await listAll(storage, `/registry/vpc.miloapis.com/ipaddresses/${namespace}/${vpcName}/`);
  const ownerKeys = await listAll(storage, `/registry/vpc.miloapis.com/ipowners/${namespace}/${vpcName}/`);
  const problems: string[] = [];
  const holders = new Map(addressKeys.map(({ key, value }) => [key, value.owner as string]));
  const owners = new Map<string, string[]>();
  const listedBy = new Map<string, string>();
  for (const { key, value } of ownerKeys) {
    const owner = value.owner as string;
    const addresses = value.addresses as string[];
    if (decodeURIComponent(key) !== owner) problems.push(`owner key ${key} holds the record of ${owner}`);
    if (addresses.length === 0) problems.push(`${owner} has an owner key listing no address`);
    owners.set(owner, addresses);
    for (const cidr of addresses) {
      const address = cidr.slice(0, cidr.lastIndexOf('/'));
      const other = listedBy.get(address);
      if (other !== undefined) problems.push(`${address} is listed by both ${other} and ${owner}`);
      listedBy.set(address, owner);
      const holder = holders.get(address);
      if (holder === undefined) problems.push(`${owner} lists ${address}, which has no address key`);
      else if (holder !== owner) problems.push(`${owner} lists ${address}, whose address key names ${holder}`);
    }
  }
  for (const [address, holder] of holders) {
    if (!owners.has(holder)) problems.push(`${address} is held by ${holder}, which has no owner key`);
    else if (listedBy.get(address) !== holder) problems.push(`${address} is held by ${holder}, whose owner key does not list it`);
  }
  return { holders, owners, problems };
}

/** The canonical address of a CIDR. */
export const addressOf = (cidr: string) => cidr.slice(0, cidr.lastIndexOf('/'));
