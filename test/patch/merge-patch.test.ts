import { describe, expect, it } from 'vitest';
import { applyMergePatch } from '../../src/patch/index.js';

describe('applyMergePatch (RFC 7386)', () => {
  it('merges objects recursively, null removes, arrays and scalars replace', () => {
    const doc = { metadata: { labels: { a: '1', b: '2' } }, spec: { list: [1, 2, 3], n: 1, keep: true } };
    const patch = { metadata: { labels: { b: null, c: '3' } }, spec: { list: [9], n: { now: 'object' } } };
    expect(applyMergePatch(doc, patch)).toEqual({
      metadata: { labels: { a: '1', c: '3' } },
      spec: { list: [9], n: { now: 'object' }, keep: true },
    });
  });

  it('follows the RFC examples', () => {
    const target = { title: 'Goodbye!', author: { givenName: 'John', familyName: 'Doe' }, tags: ['example', 'sample'], content: 'This will be unchanged' };
    const patch = { title: 'Hello!', phoneNumber: '+01-123-456-7890', author: { familyName: null }, tags: ['example'] };
    expect(applyMergePatch(target, patch)).toEqual({
      title: 'Hello!',
      author: { givenName: 'John' },
      tags: ['example'],
      content: 'This will be unchanged',
      phoneNumber: '+01-123-456-7890',
    });
    expect(applyMergePatch({ a: 'b' }, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
    expect(applyMergePatch({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(applyMergePatch({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
  });

  it('keeps nulls inside arrays (they are values there)', () => {
    expect(applyMergePatch({}, { a: [null, { b: null }] })).toEqual({ a: [null, { b: null }] });
  });

  it('modifies neither argument and shares nothing with them', () => {
    const doc = { spec: { a: { b: 1 } } };
    const patch = { spec: { c: { d: 2 } } };
    const result = applyMergePatch(doc, patch) as { spec: { a: { b: number }; c: { d: number } } };
    result.spec.a.b = 9;
    result.spec.c.d = 9;
    expect(doc).toEqual({ spec: { a: { b: 1 } } });
    expect(patch).toEqual({ spec: { c: { d: 2 } } });
  });

  it('stores a "__proto__" key as data, not as the prototype', () => {
    const result = applyMergePatch({}, JSON.parse('{"spec": {"__proto__": {"polluted": true}}}')) as Record<string, any>;
    expect(Object.keys(result.spec)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(result.spec)).toBe(Object.prototype);
  });

  it('rejects a patch that is not an object with 400', () => {
    for (const patch of [[1], 'x', null, 3]) {
      expect(() => applyMergePatch({}, patch)).toThrow(expect.objectContaining({ status: expect.objectContaining({ code: 400 }) }));
    }
  });
});
