// What a protobuf client sends and receives: every kind, lists, Status errors, Tables and
// PartialObjectMetadata come back from their envelopes exactly as the server held them,
// and bodies that are not envelopes we can read are refused with a 400.
import { describe, expect, it } from 'vitest';
import { loadKinds } from '../../src/api/kinds.js';
import type { KubeObject } from '../../src/api/object.js';
import * as errors from '../../src/meta/status.js';
import { wrapInEnvelope } from '../../src/protobuf/envelope.js';
import { decodeEnvelope, encodeEnvelope, hasEnvelopeMagic, hasProtobufForm } from '../../src/protobuf/index.js';
import { partialObjectMetadata } from '../../src/server/representation.js';
import { TableConvertor } from '../../src/server/table.js';
import { EVERY_KIND, peer, policy, router, vpc } from './objects.js';

const roundTrip = (value: object) => decodeEnvelope(encodeEnvelope(value));

function statusOf(fn: () => unknown): errors.Status {
  try {
    fn();
  } catch (err) {
    if (errors.isApiError(err)) return err.status;
    throw err;
  }
  throw new Error('expected an ApiError');
}

describe('objects of every kind', () => {
  it('has a realistic sample of every kind in openapi/', () => {
    expect(EVERY_KIND.map((o) => o.kind).sort()).toEqual(loadKinds().map((k) => k.kind).sort());
  });

  it.each(EVERY_KIND.map((o) => [o.kind, o] as const))('%s comes back unchanged', (_, obj) => {
    expect(roundTrip(obj)).toEqual(obj);
  });

  it('writes the envelope: magic, then the apiVersion and kind in runtime.Unknown', () => {
    const bytes = encodeEnvelope(router);
    expect(bytes.subarray(0, 4)).toEqual(Buffer.from([0x6b, 0x38, 0x73, 0x00]));
    expect(hasEnvelopeMagic(bytes)).toBe(true);
    expect(hasEnvelopeMagic(Buffer.from(JSON.stringify(router)))).toBe(false);
    // Unknown.typeMeta (field 1) holds runtime.TypeMeta {apiVersion = 1, kind = 2}.
    expect(bytes.subarray(4, 8)).toEqual(Buffer.from([0x0a, 2 + 25 + 2 + 9, 0x0a, 25]));
    expect(bytes.subarray(8, 33).toString()).toBe('bgp.miloapis.com/v1alpha1');
    expect(bytes.subarray(35, 44).toString()).toBe('BGPRouter');
  });

  it('is smaller than JSON', () => {
    for (const obj of EVERY_KIND) expect(encodeEnvelope(obj).length).toBeLessThan(JSON.stringify(obj).length);
  });

  it('keeps zero values and empty objects that were sent, and drops empty arrays as Go does', () => {
    const obj = structuredClone(peer);
    Object.assign(obj.spec as object, { removePrivateAS: 0, ebgpMultiHop: false, authentication: {} });
    expect(roundTrip(obj)).toEqual(obj);
    (obj.spec as Record<string, unknown>).addressFamilies = [];
    const { addressFamilies, ...specWithoutFamilies } = obj.spec as Record<string, unknown>;
    expect(addressFamilies).toEqual([]);
    expect(roundTrip(obj).spec).toEqual(specWithoutFamilies);
  });

  it('writes timestamps in UTC and keeps fractions of a second', () => {
    const obj = structuredClone(vpc);
    obj.metadata.creationTimestamp = '2024-05-01T12:00:00+02:00';
    obj.metadata.deletionTimestamp = '2024-05-01T10:00:00.25Z';
    const { metadata } = roundTrip(obj) as KubeObject;
    expect(metadata.creationTimestamp).toBe('2024-05-01T10:00:00Z');
    expect(metadata.deletionTimestamp).toBe('2024-05-01T10:00:00.25Z');
  });

  it('reads a time whose writer left out nanos or seconds, as proto3 writers do', () => {
    const vpcType = { apiVersion: 'vpc.miloapis.com/v1alpha1', kind: 'VPC' };
    // metadata (1) { creationTimestamp (8) { seconds (1) = 1714557600 } }
    const secondsOnly = Buffer.from([0x0a, 0x08, 0x42, 0x06, 0x08, 0xa0, 0xa5, 0xc8, 0xb1, 0x06]);
    expect(decodeEnvelope(wrapInEnvelope(vpcType, secondsOnly))).toMatchObject({ metadata: { creationTimestamp: '2024-05-01T10:00:00Z' } });
    // metadata (1) { creationTimestamp (8) { nanos (2) = 5 } }
    const nanosOnly = Buffer.from([0x0a, 0x04, 0x42, 0x02, 0x10, 0x05]);
    expect(decodeEnvelope(wrapInEnvelope(vpcType, nanosOnly))).toMatchObject({ metadata: { creationTimestamp: '1970-01-01T00:00:00.000000005Z' } });
  });

  it('carries int64 values at the top of their range', () => {
    const obj = structuredClone(router);
    (obj.spec as Record<string, unknown>).localASN = 4294967295;
    (obj.status as Record<string, unknown>).observedGeneration = Number.MAX_SAFE_INTEGER;
    expect(roundTrip(obj)).toEqual(obj);
  });
});

describe('lists', () => {
  it('gives every item its apiVersion and kind back', () => {
    const list = {
      apiVersion: 'bgp.miloapis.com/v1alpha1',
      kind: 'BGPPolicyList',
      metadata: { resourceVersion: '48233', continue: 'eyJydiI6NDgyMzN9', remainingItemCount: 0 },
      items: [policy, structuredClone(policy)],
    };
    expect(roundTrip(list)).toEqual(list);
  });

  it('returns an empty list with items: []', () => {
    const list = { apiVersion: 'vpc.miloapis.com/v1alpha1', kind: 'VPCList', metadata: { resourceVersion: '7' }, items: [] };
    expect(roundTrip(list)).toEqual(list);
  });
});

describe('Status', () => {
  it('round-trips an Invalid error with one cause per field', () => {
    const status = errors.toStatus(
      errors.invalid({ group: 'bgp.miloapis.com', kind: 'BGPPeer' }, 'node-1-to-spine-1', [
        errors.fieldRequired('spec.address'),
        errors.fieldInvalid('spec.peerASN', 0, 'must be between 1 and 4294967295'),
        errors.fieldNotSupported('spec.addressFamilies[0].afi', 'ipv5', ['ipv4', 'ipv6', 'l2vpn']),
      ]),
    );
    expect(status.details?.causes).toHaveLength(3);
    expect(roundTrip(status)).toEqual(status);
  });

  it('round-trips NotFound, TooManyRequests (retryAfterSeconds) and a Success', () => {
    for (const status of [
      errors.toStatus(errors.notFound({ group: 'vpc.miloapis.com', resource: 'vpcs' }, 'blue')),
      errors.toStatus(errors.tooManyRequests('too many requests, please try again later', 2)),
      errors.successStatus({ name: 'blue', group: 'vpc.miloapis.com', kind: 'vpcs', uid: '5f0c9a8e-1b2d-4c3e-9f4a-000000000006' }),
    ]) {
      expect(roundTrip(status)).toEqual(status);
    }
  });
});

describe('Table', () => {
  const kind = loadKinds().find((k) => k.kind === 'BGPPolicy')!;
  const convertor = new TableConvertor(kind.printerColumns);

  it('round-trips columns, cells of every type (null included) and row metadata', () => {
    const table = convertor.table([policy, { ...policy, spec: {} }], { resourceVersion: '48233' }, { include: 'Metadata', transformVersion: 'meta.k8s.io/v1' });
    const cells = table.rows.map((r) => r.cells);
    // TERMS is an integer column over an array: kube prints such a cell as null.
    expect(cells[0]).toEqual(['fabric-export-32', 'export', null, expect.stringMatching(/^\d+y/)]);
    expect(cells[1]).toEqual(['fabric-export-32', null, null, expect.any(String)]);
    expect(roundTrip(table)).toEqual(table);
  });

  it('embeds full objects (includeObject=Object) and omits column definitions after the first watch event', () => {
    const table = convertor.table([policy], { resourceVersion: '48233' }, { include: 'Object', noHeaders: true, transformVersion: 'meta.k8s.io/v1' });
    expect(table.columnDefinitions).toBeUndefined();
    expect(roundTrip(table)).toEqual(table);
  });

  it('keeps a column priority of 0 and an empty format, which Go always writes', () => {
    const table = convertor.table([], {}, { include: 'None', transformVersion: 'meta.k8s.io/v1' });
    expect(table.columnDefinitions![0]).toMatchObject({ name: 'Name', priority: 0 });
    expect(roundTrip(table)).toEqual({ ...table, rows: [] });
  });
});

describe('PartialObjectMetadata', () => {
  it('round-trips one object and a list', () => {
    const one = partialObjectMetadata(peer, 'meta.k8s.io/v1');
    expect(roundTrip(one)).toEqual(one);
    const list = {
      apiVersion: 'meta.k8s.io/v1',
      kind: 'PartialObjectMetadataList',
      metadata: { resourceVersion: '48233' },
      items: EVERY_KIND.map((o) => partialObjectMetadata(o, 'meta.k8s.io/v1')),
    };
    expect(roundTrip(list)).toEqual(list);
  });
});

describe('what has a protobuf form', () => {
  it('covers our kinds, their lists, v1 Status and the meta.k8s.io/v1 transforms only', () => {
    expect(hasProtobufForm({ apiVersion: 'vpc.miloapis.com/v1alpha1', kind: 'VPCAttachmentList' })).toBe(true);
    expect(hasProtobufForm({ apiVersion: 'v1', kind: 'Status' })).toBe(true);
    expect(hasProtobufForm({ apiVersion: 'meta.k8s.io/v1', kind: 'PartialObjectMetadataList' })).toBe(true);
    expect(hasProtobufForm({ apiVersion: 'meta.k8s.io/v1beta1', kind: 'Table' })).toBe(false);
    expect(hasProtobufForm({ apiVersion: 'v1', kind: 'Pod' })).toBe(false);
  });

  it('refuses to encode anything else with 406 NotAcceptable, as kube-apiserver does', () => {
    const status = statusOf(() => encodeEnvelope({ apiVersion: 'meta.k8s.io/v1beta1', kind: 'Table', rows: [] }));
    expect(status).toMatchObject({ code: 406, reason: 'NotAcceptable' });
  });
});

describe('bodies that are not envelopes we can read', () => {
  const valid = encodeEnvelope(router);

  it.each([
    ['JSON', Buffer.from(JSON.stringify(router)), 'does not appear to be a protobuf message'],
    ['an empty body', Buffer.alloc(0), 'does not appear to be a protobuf message'],
    ['the magic alone', Buffer.from('k8s\0'), "Object 'Kind' is missing"],
    ['garbage after the magic', Buffer.from('k8s\0\xff\xff\xff\xff', 'latin1'), 'envelope could not be decoded'],
    ['a truncated envelope', valid.subarray(0, valid.length - 20), 'envelope could not be decoded'],
  ])('refuses %s with 400 BadRequest', (_, body, message) => {
    const status = statusOf(() => decodeEnvelope(body));
    expect(status).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(status.message).toContain(message);
  });

  it('refuses a kind we do not serve, naming it', () => {
    const pod = wrapInEnvelope({ apiVersion: 'v1', kind: 'Pod' }, encodeEnvelope(router).subarray(4));
    expect(statusOf(() => decodeEnvelope(pod))).toMatchObject({ code: 400, message: 'no kind "Pod" is registered for version "v1"' });
  });

  it('refuses a message cut short inside the envelope', () => {
    const raw = Buffer.from([0x0a, 0x20, 0x0a, 0x01]); // metadata: 32 bytes announced, 2 present
    const status = statusOf(() => decodeEnvelope(wrapInEnvelope({ apiVersion: 'bgp.miloapis.com/v1alpha1', kind: 'BGPRouter' }, raw)));
    expect(status).toMatchObject({ code: 400, reason: 'BadRequest' });
    expect(status.message).toContain('the BGPRouter could not be decoded from protobuf');
  });

  it('refuses int64 values beyond what a JSON number holds exactly, instead of rounding them', () => {
    // metadata (field 1, 9 bytes) { generation (field 7, varint) = 2^53 + 1 }
    const raw = Buffer.from([0x0a, 0x09, 0x38, 0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x10]);
    const status = statusOf(() => decodeEnvelope(wrapInEnvelope({ apiVersion: 'bgp.miloapis.com/v1alpha1', kind: 'BGPRouter' }, raw)));
    expect(status).toMatchObject({ code: 400 });
    expect(status.message).toContain('9007199254740993');
  });
});
