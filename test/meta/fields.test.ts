import { describe, expect, it } from 'vitest';
import { parseFieldSelector } from '../../src/meta/fields.js';
import { isApiError } from '../../src/meta/status.js';

const fieldsOf = (values: Record<string, string>) => (field: string) => values[field];
const router = fieldsOf({ 'metadata.name': 'r1', 'metadata.namespace': 'default', 'spec.nodeName': 'n,1' });

function parseError(selector: string): string {
  try {
    parseFieldSelector(selector);
  } catch (err) {
    if (isApiError(err) && err.status.code === 400) return err.message;
    throw err;
  }
  throw new Error(`${JSON.stringify(selector)} parsed`);
}

describe('parseFieldSelector', () => {
  it('an empty selector selects everything', () => {
    for (const text of ['', ',', ',,']) {
      const s = parseFieldSelector(text);
      expect(s.empty).toBe(true);
      expect(s.requirements).toEqual([]);
      expect(s.matches(router)).toBe(true);
    }
  });

  it('parses =, == and != terms, reading == as =', () => {
    expect(parseFieldSelector('metadata.name==r1,metadata.namespace!=kube-system').requirements).toEqual([
      { field: 'metadata.name', operator: '=', value: 'r1' },
      { field: 'metadata.namespace', operator: '!=', value: 'kube-system' },
    ]);
  });

  it('matches when every term holds', () => {
    expect(parseFieldSelector('metadata.name=r1').matches(router)).toBe(true);
    expect(parseFieldSelector('metadata.name=r2').matches(router)).toBe(false);
    expect(parseFieldSelector('metadata.name!=r2').matches(router)).toBe(true);
    expect(parseFieldSelector('metadata.name=r1,metadata.namespace=other').matches(router)).toBe(false);
  });

  it('compares a missing field as the empty string', () => {
    expect(parseFieldSelector('spec.missing=').matches(router)).toBe(true);
    expect(parseFieldSelector('spec.missing!=x').matches(router)).toBe(true);
    expect(parseFieldSelector('spec.missing=x').matches(router)).toBe(false);
  });

  it('unescapes \\, \\= and \\\\ in values and keeps escaped commas inside a term', () => {
    const s = parseFieldSelector('spec.nodeName=n\\,1');
    expect(s.requirements).toEqual([{ field: 'spec.nodeName', operator: '=', value: 'n,1' }]);
    expect(s.matches(router)).toBe(true);
    expect(parseFieldSelector('a=x\\=y\\\\z').requirements[0]!.value).toBe('x=y\\z');
    expect(parseFieldSelector('a=x\\=y\\\\z').toString()).toBe('a=x\\=y\\\\z');
  });

  it('keeps whitespace: field names are compared as given', () => {
    expect(parseFieldSelector('metadata.name = r1').requirements).toEqual([{ field: 'metadata.name ', operator: '=', value: ' r1' }]);
  });

  it('orders requirements canonically and prints them back', () => {
    const s = parseFieldSelector('metadata.namespace=default,metadata.name==r1');
    expect(s.toString()).toBe('metadata.name=r1,metadata.namespace=default');
  });

  it('exactMatch finds the value an equality term pins', () => {
    const s = parseFieldSelector('metadata.namespace!=x,metadata.name=r1');
    expect(s.exactMatch('metadata.name')).toBe('r1');
    expect(s.exactMatch('metadata.namespace')).toBeUndefined();
    expect(s.exactMatch('spec.x')).toBeUndefined();
  });

  it('rejects bad syntax as 400 BadRequest', () => {
    expect(parseError('metadata.name')).toBe(`invalid field selector: "metadata.name"; can't understand "metadata.name"`);
    expect(parseError('a=b,c')).toBe(`invalid field selector: "a=b,c"; can't understand "c"`);
    expect(parseError('=x')).toBe(`invalid field selector: "=x"; can't understand "=x"`);
    expect(parseError('a=b=c')).toBe(`invalid field selector: unescaped character in value: "="`);
    expect(parseError('a=b\\x')).toBe('invalid field selector: invalid escape sequence: \\x');
    expect(parseError('a=b\\')).toBe('invalid field selector: invalid escape sequence: \\');
  });
});
