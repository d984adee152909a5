// Valid objects of our kinds for the server tests (admission is real, so they must pass
// schema and CEL validation), as JSON bodies and as YAML manifests for kubectl.
import { stringify as toYaml } from 'yaml';

export const BGP = '/apis/bgp.miloapis.com/v1alpha1';
export const VPC = '/apis/vpc.miloapis.com/v1alpha1';

export function routersPath(namespace = 'default', name?: string, subresource?: string): string {
  return [`${BGP}/namespaces/${namespace}/bgprouters`, name, subresource].filter(Boolean).join('/');
}

export interface ObjectOptions {
  namespace?: string;
  labels?: Record<string, string>;
  finalizers?: string[];
}

function metadata(name: string, o: ObjectOptions): Record<string, unknown> {
  return {
    name,
    ...(o.namespace ? { namespace: o.namespace } : {}),
    ...(o.labels ? { labels: o.labels } : {}),
    ...(o.finalizers ? { finalizers: o.finalizers } : {}),
  };
}

export function router(name: string, o: ObjectOptions & { asn?: number; routerID?: string } = {}): any {
  return {
    apiVersion: 'bgp.miloapis.com/v1alpha1',
    kind: 'BGPRouter',
    metadata: metadata(name, o),
    spec: {
      targetRef: { kind: 'Node', name: 'node-1' },
      localASN: o.asn ?? 65001,
      routerID: o.routerID ?? '10.0.0.1',
      roles: ['fabric'],
      addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }],
    },
  };
}

export function peer(name: string, o: ObjectOptions = {}): any {
  return {
    apiVersion: 'bgp.miloapis.com/v1alpha1',
    kind: 'BGPPeer',
    metadata: metadata(name, o),
    spec: { routerRef: { name: 'r1' }, address: '10.0.0.2', peerASN: 65002, addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }] },
  };
}

export function vpc(name: string, o: ObjectOptions = {}): any {
  return {
    apiVersion: 'vpc.miloapis.com/v1alpha1',
    kind: 'VPC',
    metadata: metadata(name, o),
    spec: { networks: ['10.10.0.0/16'] },
  };
}

/** A multi-document YAML manifest, as a user would write for `kubectl apply -f`. */
export function manifest(...objects: unknown[]): string {
  return objects.map((o) => toYaml(o)).join('---\n');
}
