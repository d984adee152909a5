// Admission on inputs far bigger than any real object, in process: callers inside the
// server (controllers, the agent's status writer) do not pass the HTTP layer's size and
// nesting bounds, and the hostile suite found these paths recursive or quadratic.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/object.js';
import { ApiError } from '../../src/meta/status.js';
import { admit, causeLines, COVERAGE, fabricPeerWithTimers, kindNamed, newAdmission, rejection } from '../admission/fixtures.js';

const admission = newAdmission();

function nestedArrays(depth: number): unknown {
  let value: unknown = 'x';
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

/** A peer with `value` at spec[field]: set after copying, since structuredClone cannot copy such values. */
function peerWith(field: string, value: unknown): KubeObject {
  const peer = structuredClone(fabricPeerWithTimers);
  (peer.spec as Record<string, unknown>)[field] = value;
  return peer;
}

/** Admits the object itself (fixtures' admit() copies it first, which such values defeat). */
function admitAsIs(object: KubeObject): Promise<string[]> {
  return admission.admit({ operation: 'CREATE', kind: kindNamed(object.kind), object, subresource: '', fieldValidation: 'Warn', dryRun: false });
}

describe('admission at scale', () => {
  it('prunes an unknown field nested 100,000 levels deep, without exhausting the stack', async () => {
    const peer = peerWith('unknownField', nestedArrays(100_000));
    expect(await admitAsIs(peer)).toEqual(['unknown field "spec.unknownField"']);
    expect(peer.spec).toEqual(fabricPeerWithTimers.spec);
  });

  it('refuses a value nested 100,000 levels deep where a string goes, naming its type', async () => {
    const refused = await admitAsIs(peerWith('description', nestedArrays(100_000))).catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(ApiError);
    expect(causeLines((refused as ApiError).status.details?.causes ?? [])).toEqual([
      'spec.description: Invalid value: "array": spec.description in body must be of type string: "array"',
      '<nil>: Invalid value: "null": some validation rules were not checked because the object was invalid; correct the existing errors to complete validation',
    ]);
  });

  it('admits a status update of a 20,000-entry list map in linear time', async () => {
    const vrf = structuredClone(COVERAGE.BGPVRFInstance![0]!);
    // Entries as small as they come: what is left to take time is matching each with its old self.
    (vrf.status as { routers: unknown[] }).routers = Array.from({ length: 20_000 }, (_, i) => ({ routerName: `router-${i}` }));
    const started = performance.now();
    await admit(admission, { object: vrf, oldObject: vrf, subresource: 'status' });
    // Scanning the old list for each entry took about 8 s here; indexed, under 1 s.
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('refuses a name of the wrong type with a 422 that names no object', async () => {
    const peer = structuredClone(fabricPeerWithTimers);
    (peer.metadata as Record<string, unknown>).name = 12345;
    const { message, causes } = await rejection(admission, { object: peer });
    expect(message).toMatch(/^BGPPeer\.bgp\.miloapis\.com "" is invalid: /);
    expect(causeLines(causes)).toContain('metadata.name: Invalid value: "integer": metadata.name in body must be of type string: "integer"');
  });
});
