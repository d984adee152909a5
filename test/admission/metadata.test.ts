// ObjectMeta is validated like kube-apiserver validates every object's metadata.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/object.js';
import { admit, causeLines, newAdmission, rejection, underlayRouter } from './fixtures.js';

const admission = newAdmission();

function routerWithMetadata(metadata: Record<string, unknown>): KubeObject {
  return { ...structuredClone(underlayRouter), metadata: { name: 'r', namespace: 'default', ...metadata } as KubeObject['metadata'] };
}

describe('metadata', () => {
  it('accepts qualified label keys, valid label values and free-text annotations', async () => {
    const router = routerWithMetadata({ labels: { 'example.com/plane': 'underlay', app: '' }, annotations: { 'example.com/note': 'any text: ✓' } });
    await expect(admit(admission, { object: router })).resolves.toBeDefined();
  });

  it('refuses a name that is not a DNS-1123 subdomain, and a missing namespace', async () => {
    const { causes } = await rejection(admission, { object: routerWithMetadata({ name: 'x'.repeat(254), namespace: undefined }) });
    expect(causeLines(causes)).toEqual([
      expect.stringMatching(/^metadata\.name: Invalid value: "x{254}": must be no more than 253 characters$/),
      'metadata.namespace: Required value',
      expect.stringMatching(/^<nil>: .*some validation rules were not checked/),
    ]);
  });

  it('refuses invalid label keys and values at the labels map', async () => {
    const { causes } = await rejection(admission, { object: routerWithMetadata({ labels: { 'bad key': 'v', ok: 'bad value!' } }) });
    expect(causeLines(causes)).toEqual([
      expect.stringMatching(/^metadata\.labels: Invalid value: "bad key": name part must consist of alphanumeric characters/),
      expect.stringMatching(/^metadata\.labels: Invalid value: "bad value!": a valid label must be an empty string or consist of/),
    ]);
  });

  it('refuses metadata fields of the wrong type', async () => {
    const { causes } = await rejection(admission, { object: routerWithMetadata({ labels: { app: 1 }, generation: 'one' }) });
    expect(causeLines(causes)).toEqual([
      'metadata.labels.app: Invalid value: "integer": metadata.labels.app in body must be of type string: "integer"',
      'metadata.generation: Invalid value: "string": metadata.generation in body must be of type integer: "string"',
      expect.stringMatching(/^<nil>: .*some validation rules were not checked/),
    ]);
  });
});
