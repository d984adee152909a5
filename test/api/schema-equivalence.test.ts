import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadKinds, type KindDefinition } from '../../src/api/kinds.js';
import { crdFactMismatches, formatMismatch, readCrds, type CustomResourceDefinition } from './crd-facts.js';

// CI clones the repository with shared/ beside it, as on a developer's machine.
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const crdDir = join(repoRoot, '..', 'shared', 'reference', 'cosmos', 'crd');

const crds = readCrds(crdDir);
const kinds = loadKinds();

describe('openapi/ carries every fact of the reference CRDs', () => {
  it('finds the seven reference CRDs', () => {
    expect(crds.map(({ crd }) => `${crd.spec.names.kind}.${crd.spec.group}`).sort()).toEqual([
      'BGPAdvertisement.bgp.miloapis.com',
      'BGPPeer.bgp.miloapis.com',
      'BGPPolicy.bgp.miloapis.com',
      'BGPRouter.bgp.miloapis.com',
      'BGPVRFInstance.bgp.miloapis.com',
      'VPC.vpc.miloapis.com',
      'VPCAttachment.vpc.miloapis.com',
    ]);
  });

  it.each(crds)('$file', ({ crd }) => {
    expect(crdFactMismatches(crd, kinds).map(formatMismatch)).toEqual([]);
  });
});

describe('the CRD fact checker', () => {
  const routerCrd = crds.find(({ crd }) => crd.spec.names.kind === 'BGPRouter')!.crd;

  it('reports every altered fact by its path', () => {
    const crd: CustomResourceDefinition = structuredClone(routerCrd);
    const version = crd.spec.versions[0]!;
    const spec = schemaAt(version.schema.openAPIV3Schema, 'spec');
    const addressFamily = schemaAt(spec, 'addressFamilies', 'items');
    schemaAt(addressFamily, 'afi').enum = ['ipv4', 'ipv6'];
    (addressFamily['x-kubernetes-validations'] as { message: string }[])[1]!.message = 'changed';
    (spec.properties as Record<string, unknown>).vrf = { type: 'string' };
    version.additionalPrinterColumns!.find((c) => c.name === 'ASN')!.type = 'number';
    crd.spec.names.shortNames = ['bgpr', 'router'];

    const ours: KindDefinition = structuredClone(kinds.find((k) => k.kind === 'BGPRouter')!);
    const ourSpec = ours.schema.properties!.spec!;
    delete ourSpec.properties!.targetRef!.properties!.kind;
    ourSpec.properties!.routerID!.pattern = '^[0-9.]+$';
    ourSpec['x-kubernetes-validations'] = [{ rule: 'has(self.roles)' }];
    ourSpec.required = [...ourSpec.required!, 'roles'];

    const reported = crdFactMismatches(crd, [ours]).map((m) => `${m.path} ${m.fact}`);
    expect(reported.sort()).toEqual(
      [
        'names shortNames',
        'additionalPrinterColumns[ASN] type',
        'spec required',
        'spec x-kubernetes-validations[0]',
        'spec.addressFamilies[*] x-kubernetes-validations[1].message',
        'spec.addressFamilies[*].afi enum',
        'spec.routerID pattern',
        'spec.targetRef.kind property',
        'spec.vrf property',
      ].sort(),
    );
  });

  it('reports a kind we do not define', () => {
    expect(crdFactMismatches(routerCrd, []).map((m) => m.fact)).toEqual(['kind']);
  });

  it('fails on a schema keyword it does not know how to compare', () => {
    const crd: CustomResourceDefinition = structuredClone(routerCrd);
    schemaAt(crd.spec.versions[0]!.schema.openAPIV3Schema, 'spec', 'localASN').anyOf = [{ minimum: 1 }];
    expect(crdFactMismatches(crd, kinds).map((m) => `${m.path} ${m.fact}`)).toEqual(['spec.localASN anyOf']);
  });
});

describe('categories', () => {
  // kubectl expands a category before it maps a resource name, so a `vpc` category would
  // make `kubectl get vpc NAME` ambiguous.
  const expectedByGroup: Record<string, string[]> = {
    'bgp.miloapis.com': ['bgp', 'cosmos'],
    'vpc.miloapis.com': ['cosmos'],
  };

  it.each(kinds.map((k) => [k.kind, k] as const))('%s', (_, kind) => {
    expect(kind.categories).toEqual(expectedByGroup[kind.group]);
    expect(kind.categories).not.toContain('vpc');
  });
});

function schemaAt(node: Record<string, unknown>, ...steps: string[]): Record<string, unknown> {
  return steps.reduce<Record<string, unknown>>(
    (n, step) => (step === 'items' ? (n.items as Record<string, unknown>) : (n.properties as Record<string, Record<string, unknown>>)[step]!),
    node,
  );
}
