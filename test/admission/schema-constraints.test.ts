// Generated from the reference CRDs: for every type, required field, enum, bound, length,
// item count, pattern, format and list type they declare, one write that breaks exactly
// that constraint in an otherwise valid object, and the field error kube-apiserver gives
// for it. Numeric bounds also get the boundary value, which must pass.
import { describe, expect, it } from 'vitest';
import { admit, causeLines, newAdmission, rejection } from './fixtures.js';
import { casesFor, isRelated, resolvePlaceholders } from './constraint-cases.js';
import { findInstance, getAt, referenceSchemaNodes } from './schema-walk.js';

const admission = newAdmission();

const nodes = referenceSchemaNodes();

describe.each(nodes.map((n) => [`${n.kind} ${n.schemaPath}`, n] as const))('%s', (_, node) => {
  const instance = findInstance(node);
  const cases = instance ? casesFor(node, instance.path) : [];
  if (!instance) {
    it('has a value in the coverage objects', () => {
      expect.fail(`no coverage object of ${node.kind} has a value at ${node.schemaPath}`);
    });
    return;
  }
  if (cases.length === 0) {
    it('declares nothing to break: the coverage object passes', async () => {
      await expect(admit(admission, { object: instance.object })).resolves.toBeDefined();
    });
    return;
  }
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, testCase) => {
    const { object, keys, path } = findInstance(node)!;
    const original = structuredClone(getAt(object, keys));
    const onStatus = path.startsWith('status');
    const changed = structuredClone(object);
    testCase.change({ object: changed, keys, path });
    // Status is written through /status (the rest of the object unchanged); spec on create.
    const write = onStatus ? { object: changed, oldObject: object, subresource: 'status' } : { object: changed };
    if (testCase.expected === undefined) {
      await expect(admit(admission, write)).resolves.toBeDefined();
      return;
    }
    const { causes } = await rejection(admission, write);
    const expected = resolvePlaceholders(testCase.expected, original);
    expect(causeLines(causes)).toContain(expected);
    // Nothing unrelated in the object is reported.
    for (const cause of causes) expect(isRelated(cause.field, path), `${cause.field}: ${cause.message}`).toBe(true);
  });
});
