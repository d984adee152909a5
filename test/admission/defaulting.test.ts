// Schema defaults: applied where a field is absent (or null where null is not allowed),
// at every depth that exists: inside list items, map values and nested objects, on
// create, update and status writes.
import { describe, expect, it } from 'vitest';
import { createAdmission } from '../../src/admission/index.js';
import type { KubeObject } from '../../src/api/object.js';
import { admit, blueAttachment, causeLines, COVERAGE, fabricPeerWithTimers, newAdmission, rejection, staticPrefixAdvertisement } from './fixtures.js';
import { syntheticKind, widget } from './synthetic-kind.js';

const admission = newAdmission();
type Spec = Record<string, any>;

describe('defaults from the reference schemas', () => {
  it('fills asPathFilter.matchType in every policy term that has an asPathFilter', async () => {
    const policy = structuredClone(COVERAGE.BGPPolicy![0]!);
    const terms = (policy.spec as Spec).terms as Spec[];
    delete terms[0]!.match.asPathFilter.matchType;
    terms[1]!.match.asPathFilter = { pattern: '_65001$' };
    const { object } = await admit(admission, { object: policy });
    const admitted = (object.spec as Spec).terms as Spec[];
    expect(admitted.map((t) => t.match.asPathFilter)).toEqual([
      { pattern: '^65000_', matchType: 'contains' },
      { pattern: '_65001$', matchType: 'contains' },
      undefined,
    ]);
  });

  it('keeps a value that is given', async () => {
    const { object } = await admit(admission, { object: blueAttachment });
    expect((object.spec as Spec).interface.name).toBe('eth1');
  });

  it('defaults the interface name when it is absent or null, on create and on update', async () => {
    const attachment = structuredClone(blueAttachment);
    delete (attachment.spec as Spec).interface.name;
    expect(((await admit(admission, { object: attachment })).object.spec as Spec).interface.name).toBe('eth0');
    (attachment.spec as Spec).interface.name = null;
    const updated = await admit(admission, { object: attachment, oldObject: blueAttachment });
    expect((updated.object.spec as Spec).interface.name).toBe('eth0');
  });

  it('defaults status.ready on a status write', async () => {
    const vpc = structuredClone(COVERAGE.VPC![0]!);
    const next = { ...structuredClone(vpc), status: { identifier: 'vpc-7' } };
    const { object } = await admit(admission, { object: next, oldObject: vpc, subresource: 'status' });
    expect(object.status).toEqual({ identifier: 'vpc-7', ready: false });
  });

  it('drops a null that the field neither allows nor has a default for', async () => {
    const peer = structuredClone(fabricPeerWithTimers);
    (peer.spec as Spec).description = null;
    const { object } = await admit(admission, { object: peer });
    expect(object.spec).not.toHaveProperty('description');
  });

  it('refuses a null list item, which no default or pruning removes', async () => {
    const advertisement = structuredClone(staticPrefixAdvertisement);
    (advertisement.spec as Spec).prefixes = ['203.0.113.0/24', null];
    const { causes } = await rejection(admission, { object: advertisement });
    expect(causeLines(causes)).toContain('spec.prefixes[1]: Invalid value: "null": spec.prefixes[1] in body must be of type string: "null"');
  });
});

describe('defaults in map values and nested objects', () => {
  const kind = syntheticKind({
    type: 'object',
    properties: {
      ports: {
        type: 'object',
        additionalProperties: {
          type: 'object',
          properties: { protocol: { type: 'string', default: 'TCP' }, options: { type: 'object', default: {}, properties: { mtu: { type: 'integer', default: 1500 } } } },
        },
      },
      comment: { type: 'string', nullable: true, default: 'none' },
    },
  });
  const synthetic = createAdmission([kind]);
  const run = async (object: KubeObject) =>
    (await synthetic.admit({ operation: 'CREATE', kind, object, subresource: '', fieldValidation: 'Strict', dryRun: false }), object);

  it('applies them inside every map value, to defaults of defaults too', async () => {
    const object = await run(widget({ ports: { http: {}, dns: { protocol: 'UDP', options: { mtu: 9000 } } } }));
    expect(object.spec).toEqual({
      comment: 'none',
      ports: { http: { protocol: 'TCP', options: { mtu: 1500 } }, dns: { protocol: 'UDP', options: { mtu: 9000 } } },
    });
  });

  it('keeps null in a nullable field', async () => {
    const object = await run(widget({ comment: null }));
    expect(object.spec).toEqual({ comment: null });
  });
});
