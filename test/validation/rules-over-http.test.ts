// Every CEL rule and every schema constraint (type, required, enum, bound, length, item
// count, pattern, format, list type) of the reference CRDs, judged through the HTTP API
// as a client meets them. The cases are test/admission's: a value that breaks exactly one
// rule or constraint, and values on its edge that must pass. A spec field is written by
// creating an object, a status field by a PUT to /status of an object that exists; a
// refusal must be a 422 Invalid Status whose causes are exactly the expected ones.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/object.js';
import type { StatusCause } from '../../src/meta/status.js';
import { casesFor, isRelated, resolvePlaceholders, type Case } from '../admission/constraint-cases.js';
import { causeLines, COVERAGE } from '../admission/fixtures.js';
import { declaredRules, RULE_CASES } from '../admission/rule-cases.js';
import { findInstance, getAt, referenceSchemaNodes, setAt, type Instance } from '../admission/schema-walk.js';
import { startApiServer, type HttpResult, type RunningApiServer } from '../support/apiserver.js';
import { create, expectInvalid, pathOf, putStatus } from './api.js';

let server: RunningApiServer;

beforeAll(async () => {
  server = await startApiServer({ backend: 'embedded' });
  // Status writes go to the coverage objects themselves, holding the coverage status.
  for (const object of Object.values(COVERAGE).flat()) {
    await create(server, object);
    if (object.status) expect((await putStatus(server, object)).status).toBe(200);
  }
});

afterAll(async () => {
  await server?.stop();
});

const onStatus = (instance: Instance) => instance.path.startsWith('status');

let created = 0;

/** Writes `object` the way a client sets the instance's field; returns the answer and the object as sent. */
async function write(instance: Instance, object: KubeObject): Promise<{ result: HttpResult; sent: KubeObject }> {
  if (onStatus(instance)) return { result: await putStatus(server, object), sent: object };
  const sent = { ...object, metadata: { ...object.metadata, name: `${object.metadata.name}-${++created}` } };
  return { result: await server.request('POST', pathOf(sent), { body: sent }), sent };
}

async function expectAccepted(instance: Instance, object: KubeObject): Promise<void> {
  const { result } = await write(instance, object);
  expect(result.status, result.body.slice(0, 2000)).toBe(onStatus(instance) ? 200 : 201);
}

/** The causes of the 422 Invalid that `object` is refused with. */
async function refusal(instance: Instance, object: KubeObject): Promise<StatusCause[]> {
  const { result, sent } = await write(instance, object);
  return expectInvalid(result, sent);
}

/** A copy of the instance's object with `value` at the instance's place. */
function withValue(instance: Instance, value: unknown): KubeObject {
  const changed = structuredClone(instance.object);
  setAt(changed, instance.keys, value);
  return changed;
}

describe('CEL rules', () => {
  describe.each(declaredRules().map((d) => [`${d.node.kind} ${d.node.schemaPath}: ${d.rule.message}`, d] as const))('%s', (_, { node, rule }) => {
    const instance = findInstance(node);
    const cases = RULE_CASES[rule.rule];
    if (!instance || !cases) {
      it('is covered', () => expect.fail(`no coverage value or no cases for ${node.schemaPath}: ${rule.rule}`));
      return;
    }
    const original = getAt(instance.object, instance.keys);

    it('is refused with the rule message at the field that declares it, and nothing else', async () => {
      const lines = causeLines(await refusal(instance, withValue(instance, cases.violate(structuredClone(original)))));
      const expected = [...(cases.alsoReported?.(instance.path) ?? []), `${instance.path}: Invalid value: "${node.schema.type}": ${rule.message}`];
      expect(lines.sort()).toEqual(expected.sort());
    });

    it('is met by the coverage value', async () => {
      await expectAccepted(instance, withValue(instance, original));
    });

    it.each((cases.passing ?? []).map((p, i) => [i, p] as const))('is met by edge value %i', async (_, passing) => {
      await expectAccepted(instance, withValue(instance, passing(structuredClone(original))));
    });
  });
});

describe('schema constraints', () => {
  describe.each(referenceSchemaNodes().map((n) => [`${n.kind} ${n.schemaPath}`, n] as const))('%s', (_, node) => {
    const instance = findInstance(node);
    if (!instance) {
      it('has a value in the coverage objects', () => expect.fail(`no coverage object of ${node.kind} has a value at ${node.schemaPath}`));
      return;
    }
    const cases = casesFor(node, instance.path);
    if (cases.length === 0) return;

    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_, testCase: Case) => {
      const changed = structuredClone(instance.object);
      testCase.change({ ...instance, object: changed });
      if (testCase.expected === undefined) return expectAccepted(instance, changed);
      const causes = await refusal(instance, changed);
      expect(causeLines(causes)).toContain(resolvePlaceholders(testCase.expected, getAt(instance.object, instance.keys)));
      // Nothing unrelated in the object is reported.
      for (const cause of causes) expect(isRelated(cause.field, instance.path), `${cause.field}: ${cause.message}`).toBe(true);
    });
  });
});
