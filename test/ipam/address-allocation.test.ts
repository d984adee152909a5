// The AddressAllocation objects the allocate subresource answers with, against the schema
// documented for them (which must stay out of the served kinds).
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { validateSchema } from '../../src/admission/schema-validation.js';
import type { JSONSchemaProps } from '../../src/api/kinds.js';
import { loadKinds } from '../../src/api/kinds.js';
import { addressAllocation, addressAllocationList } from '../../src/ipam/address-allocation.js';

const schemaFile = new URL('../../openapi/subresources/vpc.miloapis.com/v1alpha1/addressallocation.yaml', import.meta.url);
const schema = (parse(readFileSync(schemaFile, 'utf8')) as { schema: { openAPIV3Schema: JSONSchemaProps } }).schema.openAPIV3Schema;
const allocation = { owner: 'VirtualMachine/web-1', addresses: ['10.20.0.9/24', 'fd00:20::9/64'], createdAt: '2024-05-01T10:00:00Z' };

describe('AddressAllocation', () => {
  it('shows an allocation as an object its schema accepts, with the VPC as its metadata', () => {
    const object = addressAllocation('team-a', 'v1', allocation, { owner: 'VirtualMachine/web-1', families: ['IPv4', 'IPv6'] });
    expect(object).toEqual({
      apiVersion: 'vpc.miloapis.com/v1alpha1',
      kind: 'AddressAllocation',
      metadata: { name: 'v1', namespace: 'team-a', creationTimestamp: '2024-05-01T10:00:00Z' },
      spec: { owner: 'VirtualMachine/web-1', families: ['IPv4', 'IPv6'] },
      status: { addresses: ['10.20.0.9/24', 'fd00:20::9/64'] },
    });
    expect(validateSchema(object, schema, undefined)).toEqual([]);
    for (const item of addressAllocationList('team-a', 'v1', [allocation]).items) expect(validateSchema(item, schema, undefined)).toEqual([]);
  });

  it('has a schema that refuses a request without an owner or with an unknown family', () => {
    const errors = validateSchema({ spec: { families: ['IPv7'] } }, schema, undefined).map((e) => e.field);
    expect(errors).toEqual(['spec.owner', 'spec.families[0]']);
  });

  it('is not served as a kind of its own', () => {
    expect(loadKinds().map((k) => k.kind)).not.toContain('AddressAllocation');
  });
});
