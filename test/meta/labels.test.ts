import { describe, expect, it } from 'vitest';
import { isApiError } from '../../src/meta/status.js';
import { labelSelectorFromObject, parseLabelSelector } from '../../src/meta/labels.js';

function parseError(selector: string): { code: number; message: string } {
  try {
    parseLabelSelector(selector);
  } catch (err) {
    if (isApiError(err)) return { code: err.status.code, message: err.message };
    throw err;
  }
  throw new Error(`${JSON.stringify(selector)} parsed`);
}

const edge = { role: 'edge', zone: 'a', tier: '3' };

describe('parseLabelSelector: grammar', () => {
  it('an empty or blank selector selects everything', () => {
    for (const text of ['', '   ', '\t\n']) {
      const s = parseLabelSelector(text);
      expect(s.empty).toBe(true);
      expect(s.matches(undefined)).toBe(true);
      expect(s.matches(edge)).toBe(true);
      expect(s.toString()).toBe('');
    }
  });

  it('equality: =, == and !=', () => {
    expect(parseLabelSelector('role=edge').matches(edge)).toBe(true);
    expect(parseLabelSelector('role==edge').matches(edge)).toBe(true);
    expect(parseLabelSelector('role=core').matches(edge)).toBe(false);
    expect(parseLabelSelector('role!=core').matches(edge)).toBe(true);
    expect(parseLabelSelector('role!=edge').matches(edge)).toBe(false);
    // != also selects objects without the label, = does not.
    expect(parseLabelSelector('missing!=x').matches(edge)).toBe(true);
    expect(parseLabelSelector('missing=x').matches(edge)).toBe(false);
  });

  it('an empty value after = matches only an empty label', () => {
    const s = parseLabelSelector('role=');
    expect(s.requirements).toEqual([{ key: 'role', operator: '=', values: [''] }]);
    expect(s.matches({ role: '' })).toBe(true);
    expect(s.matches({})).toBe(false);
    expect(s.matches(edge)).toBe(false);
    expect(parseLabelSelector('a=,b').requirements).toEqual([
      { key: 'a', operator: '=', values: [''] },
      { key: 'b', operator: 'exists', values: [] },
    ]);
  });

  it('set-based: in and notin', () => {
    expect(parseLabelSelector('role in (core, edge)').matches(edge)).toBe(true);
    expect(parseLabelSelector('role in (core)').matches(edge)).toBe(false);
    expect(parseLabelSelector('role notin (core)').matches(edge)).toBe(true);
    expect(parseLabelSelector('role notin (edge,core)').matches(edge)).toBe(false);
    expect(parseLabelSelector('missing notin (x)').matches(edge)).toBe(true);
    expect(parseLabelSelector('missing in (x)').matches(edge)).toBe(false);
  });

  it('empty elements of a value set are the empty value', () => {
    expect(parseLabelSelector('a in ()').requirements[0]!.values).toEqual(['']);
    expect(parseLabelSelector('a in (,x)').requirements[0]!.values).toEqual(['', 'x']);
    expect(parseLabelSelector('a in (x,)').requirements[0]!.values).toEqual(['', 'x']);
    expect(parseLabelSelector('a in (x,,y)').requirements[0]!.values).toEqual(['', 'x', 'y']);
    expect(parseLabelSelector('a in ()').matches({ a: '' })).toBe(true);
  });

  it('existence: key and !key', () => {
    expect(parseLabelSelector('role').matches(edge)).toBe(true);
    expect(parseLabelSelector('missing').matches(edge)).toBe(false);
    expect(parseLabelSelector('!missing').matches(edge)).toBe(true);
    expect(parseLabelSelector('! role').matches(edge)).toBe(false);
    expect(parseLabelSelector('!role').requirements).toEqual([{ key: 'role', operator: '!', values: [] }]);
  });

  it('gt and lt compare integers and never match non-integers', () => {
    expect(parseLabelSelector('tier>2').matches(edge)).toBe(true);
    expect(parseLabelSelector('tier>3').matches(edge)).toBe(false);
    expect(parseLabelSelector('tier<4').matches(edge)).toBe(true);
    expect(parseLabelSelector('tier < 10').matches(edge)).toBe(true);
    expect(parseLabelSelector('zone>1').matches(edge)).toBe(false);
    expect(parseLabelSelector('missing<1').matches(edge)).toBe(false);
    expect(parseLabelSelector('n>9223372036854775806').matches({ n: '9223372036854775807' })).toBe(true);
    expect(parseLabelSelector('n<1').matches({ n: '9223372036854775808' })).toBe(false);
  });

  it('comma means AND, whitespace is free around tokens', () => {
    expect(parseLabelSelector('role=edge,zone=a').matches(edge)).toBe(true);
    expect(parseLabelSelector('role=edge,zone=b').matches(edge)).toBe(false);
    expect(parseLabelSelector('  role = edge ,  zone in ( a , b ) , !x  ').matches(edge)).toBe(true);
  });

  it('"in" and "notin" are ordinary words outside operator position', () => {
    expect(parseLabelSelector('in in (in, notin)').matches({ in: 'notin' })).toBe(true);
    expect(parseLabelSelector('notin=in').matches({ notin: 'in' })).toBe(true);
    expect(parseLabelSelector('in').requirements).toEqual([{ key: 'in', operator: 'exists', values: [] }]);
  });

  it('accepts prefixed keys', () => {
    expect(parseLabelSelector('bgp.miloapis.com/router=r1').matches({ 'bgp.miloapis.com/router': 'r1' })).toBe(true);
  });

  it('prints the canonical form: sorted by key, sorted values, kube operator spelling', () => {
    expect(parseLabelSelector('z notin (b,a,b), !y, a==1, m>3, k').toString()).toBe('a==1,k,m>3,!y,z notin (a,b)');
    expect(parseLabelSelector('x in (c, a)').toString()).toBe('x in (a,c)');
    for (const text of ['a=b,c!=d', 'a in (x,y),!b', 'a<5']) {
      expect(parseLabelSelector(parseLabelSelector(text).toString()).toString()).toBe(parseLabelSelector(text).toString());
    }
  });
});

describe('parseLabelSelector: errors are 400 naming the offending part', () => {
  it.each([
    ['a in b', "found 'b', expected: '('"],
    ['a in (b', "found 'end of string', expected: ',' or ')'"],
    ['a in (b c)', "found 'c', expected: ',' or ')'"],
    ['a in (=)', "found '=', expected: ',', ')' or identifier"],
    ['a b', "found 'b', expected: in, notin, =, ==, !=, gt, lt"],
    ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ['a,', "found 'end of string', expected: identifier after ','"],
    ['a,,b', "found ',', expected: identifier after ','"],
    [',a', "found ',', expected: !, identifier, or 'end of string'"],
    ['=a', "found '=', expected: !, identifier, or 'end of string'"],
    ['!', "found 'end of string', expected: identifier"],
    ['!a=b', "found '=', expected: ',' or 'end of string'"],
    ['a=(b)', "found '(', expected: identifier"],
    ['a===b', "found '=', expected: identifier"],
  ])('%s', (selector, reason) => {
    expect(parseError(selector)).toEqual({ code: 400, message: `unable to parse label selector ${JSON.stringify(selector)}: ${reason}` });
  });

  it('rejects invalid keys and values with the label rules', () => {
    expect(parseError('-a=b').message).toContain('requirement.key: Invalid value: "-a": name part must consist of alphanumeric characters');
    expect(parseError('a/b/c').message).toContain('"a/b/c": a qualified name must consist of');
    expect(parseError('a=-b').message).toContain('requirement.values[0]: Invalid value: "-b": a valid label must be an empty string');
    expect(parseError(`a=${'v'.repeat(64)}`).message).toContain('must be no more than 63 characters');
    expect(parseError('a in (x, -y)').message).toContain('Invalid value: "-y"');
  });

  it('rejects non-integer bounds for > and <', () => {
    expect(parseError('a>b').message).toContain(`requirement.values[0]: Invalid value: "b": for 'Gt', 'Lt' operators, the value must be an integer`);
    expect(parseError('a<').message).toContain(`for 'Gt', 'Lt' operators, the value must be an integer`);
  });
});

describe('labelSelectorFromObject', () => {
  it('an empty selector object selects everything', () => {
    expect(labelSelectorFromObject({}).matches(edge)).toBe(true);
    expect(labelSelectorFromObject({ matchLabels: {}, matchExpressions: [] }).empty).toBe(true);
  });

  it('a missing selector selects nothing', () => {
    for (const missing of [null, undefined]) {
      const s = labelSelectorFromObject(missing);
      expect(s.empty).toBe(false);
      expect(s.matches(edge)).toBe(false);
      expect(s.matches({})).toBe(false);
    }
  });

  it('ANDs matchLabels with matchExpressions', () => {
    const s = labelSelectorFromObject({
      matchLabels: { role: 'edge' },
      matchExpressions: [
        { key: 'zone', operator: 'In', values: ['a', 'b'] },
        { key: 'tier', operator: 'NotIn', values: ['1'] },
        { key: 'role', operator: 'Exists' },
        { key: 'drain', operator: 'DoesNotExist', values: [] },
      ],
    });
    expect(s.matches(edge)).toBe(true);
    expect(s.matches({ ...edge, drain: 'yes' })).toBe(false);
    expect(s.matches({ ...edge, zone: 'c' })).toBe(false);
    expect(s.matches({ ...edge, tier: '1' })).toBe(false);
    expect(s.toString()).toBe('!drain,role=edge,role,tier notin (1),zone in (a,b)');
  });

  it('rejects bad operators and value counts with field paths', () => {
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Gt', values: ['1'] }] })).toThrow(
      'invalid label selector: matchExpressions[0].operator: Unsupported value: "Gt": supported values: "In", "NotIn", "Exists", "DoesNotExist"',
    );
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'In', values: [] }] })).toThrow(
      "matchExpressions[0].values: Invalid value: []interface {}{}: for 'in', 'notin' operators, values set can't be empty",
    );
    expect(() => labelSelectorFromObject({ matchExpressions: [{ key: 'a', operator: 'Exists', values: ['x'] }] })).toThrow(
      'values set must be empty for exists and does not exist',
    );
    expect(() => labelSelectorFromObject({ matchLabels: { a: 'has space', '-b': 'x' } })).toThrow(
      /^invalid label selector: \[matchLabels\[a\]\.values\[0\]: Invalid value: "has space": .*, matchLabels\[-b\]\.key: Invalid value: "-b": /,
    );
    expect(() => labelSelectorFromObject({ matchLabels: { a: '-' } })).toThrow(
      expect.objectContaining({ status: expect.objectContaining({ code: 400, reason: 'BadRequest' }) }),
    );
  });
});
