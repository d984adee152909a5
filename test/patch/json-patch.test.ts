import { describe, expect, it } from 'vitest';
import { applyJsonPatch, MAX_JSON_PATCH_OPERATIONS } from '../../src/patch/index.js';
import { isApiError } from '../../src/meta/status.js';

const router = () => ({
  apiVersion: 'bgp.miloapis.com/v1alpha1',
  kind: 'BGPRouter',
  metadata: { name: 'r1', labels: { role: 'edge' } },
  spec: { localASN: 65001, addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }] },
});

function failure(doc: unknown, patch: unknown): { code: number; reason: string; message: string } {
  try {
    applyJsonPatch(doc, patch);
  } catch (err) {
    if (isApiError(err)) return { code: err.status.code, reason: err.status.reason, message: err.message };
    throw err;
  }
  throw new Error('the patch applied');
}

describe('applyJsonPatch', () => {
  it('applies RFC 6902 operations in order', () => {
    const result = applyJsonPatch(router(), [
      { op: 'test', path: '/spec/localASN', value: 65001 },
      { op: 'replace', path: '/spec/localASN', value: 65002 },
      { op: 'add', path: '/spec/addressFamilies/-', value: { afi: 'ipv6', safi: 'unicast' } },
      { op: 'add', path: '/metadata/labels/zone', value: 'a' },
      { op: 'remove', path: '/metadata/labels/role' },
      { op: 'copy', from: '/metadata/name', path: '/spec/routerID' },
      { op: 'move', from: '/spec/routerID', path: '/spec/id' },
      { op: 'add', path: '/metadata/annotations', value: { 'a~b/c': 'x' } },
      { op: 'replace', path: '/metadata/annotations/a~0b~1c', value: 'y' },
    ]);
    expect(result).toEqual({
      ...router(),
      metadata: { name: 'r1', labels: { zone: 'a' }, annotations: { 'a~b/c': 'y' } },
      spec: { localASN: 65002, id: 'r1', addressFamilies: [{ afi: 'ipv4', safi: 'unicast' }, { afi: 'ipv6', safi: 'unicast' }] },
    });
  });

  it('modifies neither the document nor the patch, and shares nothing with them', () => {
    const doc = router();
    const value = { afi: 'l2vpn', safi: 'evpn' };
    const patch = [{ op: 'add', path: '/spec/addressFamilies/0', value }];
    const result = applyJsonPatch(doc, patch) as ReturnType<typeof router>;
    expect(doc).toEqual(router());
    expect(patch).toEqual([{ op: 'add', path: '/spec/addressFamilies/0', value: { afi: 'l2vpn', safi: 'evpn' } }]);
    result.spec.addressFamilies[0]!.afi = 'changed';
    expect(value.afi).toBe('l2vpn');
  });

  it('a failed test is 422, naming the operation', () => {
    expect(failure(router(), [{ op: 'test', path: '/spec/localASN', value: 1 }])).toEqual({
      code: 422,
      reason: 'Invalid',
      message: 'json patch operation 0 (test "/spec/localASN"): the value at the path is not the expected one',
    });
  });

  it('a path that does not exist is 422', () => {
    const ops: [unknown, string][] = [
      [{ op: 'remove', path: '/spec/missing' }, 'json patch operation 1 (remove "/spec/missing"): the path does not exist'],
      [{ op: 'replace', path: '/spec/addressFamilies/5', value: 1 }, 'the path does not exist'],
      [{ op: 'add', path: '/spec/a/b', value: 1 }, 'the path does not exist'],
      [{ op: 'add', path: '/spec/addressFamilies/5', value: 1 }, 'the array index is out of bounds'],
      [{ op: 'move', from: '/spec/nope', path: '/spec/x' }, 'the "from" path does not exist'],
      [{ op: 'add', path: '/spec/localASN/x', value: 1 }, 'json patch operation 1 (add "/spec/localASN/x")'],
    ];
    for (const [op, message] of ops) {
      const result = failure(router(), [{ op: 'test', path: '/kind', value: 'BGPRouter' }, op]);
      expect(result.code).toBe(422);
      expect(result.message).toContain(message);
    }
  });

  it('a malformed patch body is 400', () => {
    const bodies: [unknown, string][] = [
      [{ op: 'add' }, 'a json patch must be a JSON array of operations'],
      ['nope', 'a json patch must be a JSON array of operations'],
      [[42], 'json patch operation 0: Operation is not an object'],
      [[{ op: 'frobnicate', path: '/a' }], 'json patch operation 0: unknown operation "frobnicate"'],
      [[{ op: '_get', path: '/a' }], 'unknown operation "_get"'],
      [[{ op: 'test', path: '/kind', value: 'BGPRouter' }, { op: 'add', path: 'spec' , value: 1 }], 'json patch operation 1: Operation `path` property must start with "/"'],
      [[{ op: 'add', path: '/a' }], 'json patch operation 0: Operation `value` property is not present'],
      [[{ op: 'copy', path: '/a' }], 'json patch operation 0: Operation `from` property is not present'],
    ];
    for (const [body, message] of bodies) {
      const result = failure(router(), body);
      expect([result.code, result.reason]).toEqual([400, 'BadRequest']);
      expect(result.message).toContain(message);
    }
  });

  it('caps the number of operations like kube-apiserver (413)', () => {
    const ops = Array.from({ length: MAX_JSON_PATCH_OPERATIONS + 1 }, () => ({ op: 'test', path: '/kind', value: 'BGPRouter' }));
    expect(failure(router(), ops)).toEqual({
      code: 413,
      reason: 'RequestEntityTooLarge',
      message: 'Request entity too large: The allowed maximum operations in a JSON patch is 10000, got 10001',
    });
    expect(() => applyJsonPatch(router(), ops.slice(1))).not.toThrow();
  });
});
