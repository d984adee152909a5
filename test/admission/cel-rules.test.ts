// Every x-kubernetes-validations rule of the reference CRDs, at every place it is
// declared: the coverage object passes it, a value chosen to break that rule alone fails
// with exactly the rule's error (`<path>: Invalid value: "<type>": <message>`), and values
// on the edge of the rule pass.
import { describe, expect, it } from 'vitest';
import { admit, causeLines, newAdmission, rejection } from './fixtures.js';
import { declaredRules, RULE_CASES } from './rule-cases.js';
import { findInstance, getAt, setAt } from './schema-walk.js';

const admission = newAdmission();

const declared = declaredRules();

it('the reference CRDs declare the rules this file knows how to break', () => {
  expect(new Set(declared.map(({ rule }) => rule.rule))).toEqual(new Set(Object.keys(RULE_CASES)));
  expect(declared.length).toBeGreaterThanOrEqual(40);
});

describe.each(declared.map((d) => [`${d.node.kind} ${d.node.schemaPath}: ${d.rule.message}`, d] as const))('%s', (_, { node, rule }) => {
  const instance = findInstance(node);
  const cases = RULE_CASES[rule.rule];
  if (!instance || !cases) {
    it('is covered', () => expect.fail(`no coverage value or no cases for ${node.schemaPath}: ${rule.rule}`));
    return;
  }
  const onStatus = instance.path.startsWith('status');
  const writeOf = (value: unknown) => {
    const changed = structuredClone(instance.object);
    setAt(changed, instance.keys, value);
    return onStatus ? { object: changed, oldObject: instance.object, subresource: 'status' } : { object: changed };
  };
  const original = getAt(instance.object, instance.keys);
  const type = node.schema.type;

  it('fails with the rule message at the field that declares it', async () => {
    const { causes } = await rejection(admission, writeOf(cases.violate(structuredClone(original))));
    const expected = [...(cases.alsoReported?.(instance.path) ?? []), `${instance.path}: Invalid value: "${type}": ${rule.message}`];
    expect(causeLines(causes).sort()).toEqual(expected.sort());
  });

  it('passes with the coverage value', async () => {
    await expect(admit(admission, writeOf(original))).resolves.toBeDefined();
  });

  it.each((cases.passing ?? []).map((p, i) => [i, p] as const))('passes with edge value %i', async (_, passing) => {
    const value = passing(structuredClone(original));
    await expect(admit(admission, writeOf(value)), JSON.stringify(value)).resolves.toBeDefined();
  });
});
