import { describe, expect, it } from 'vitest';
import {
  duplicate,
  FieldPath,
  fieldErrorBody,
  forbidden,
  formatFieldError,
  formatFieldErrors,
  invalidValue,
  notSupported,
  required,
  tooLong,
  tooMany,
  typeInvalid,
} from '../../src/meta/field-errors.js';

describe('FieldPath', () => {
  it('builds dotted paths with list indexes and map keys', () => {
    const families = FieldPath.root('spec', 'addressFamilies');
    expect(families.index(0).child('safi').toString()).toBe('spec.addressFamilies[0].safi');
    expect(FieldPath.root('metadata').child('labels').key('foo').toString()).toBe('metadata.labels[foo]');
    expect(FieldPath.root('spec').key('a.b/c').index(3).toString()).toBe('spec[a.b/c][3]');
  });

  it('is immutable: extending a path leaves the original as it was', () => {
    const spec = FieldPath.root('spec');
    spec.child('x');
    expect(spec.toString()).toBe('spec');
  });
});

describe('field error messages, as apimachinery formats them', () => {
  it('Required and Forbidden never show a value', () => {
    expect(formatFieldError(required('spec.x'))).toBe('spec.x: Required value');
    expect(formatFieldError(required('spec.x', 'must be set'))).toBe('spec.x: Required value: must be set');
    expect(formatFieldError(forbidden(FieldPath.root('spec', 'y'), 'may not be changed'))).toBe('spec.y: Forbidden: may not be changed');
  });

  it('Invalid shows strings Go-quoted and numbers plainly', () => {
    expect(formatFieldError(invalidValue('spec.localASN', 0, 'must be between 1 and 4294967295'))).toBe(
      'spec.localASN: Invalid value: 0: must be between 1 and 4294967295',
    );
    expect(formatFieldError(invalidValue('spec.s', 'string', 'detail'))).toBe('spec.s: Invalid value: "string": detail');
    expect(formatFieldError(invalidValue('spec.b', true, 'no'))).toBe('spec.b: Invalid value: true: no');
    expect(formatFieldError(invalidValue('spec.f', 1.5, 'no'))).toBe('spec.f: Invalid value: 1.5: no');
    expect(formatFieldError(invalidValue('spec.f', 1234567.5, 'no'))).toBe('spec.f: Invalid value: 1.2345675e+06: no');
    expect(formatFieldError(invalidValue('spec.f', 0.00001, 'no'))).toBe('spec.f: Invalid value: 1e-05: no');
    expect(formatFieldError(invalidValue('spec.i', 4294967296, 'no'))).toBe('spec.i: Invalid value: 4294967296: no');
  });

  it('escapes strings like Go %q', () => {
    expect(fieldErrorBody(invalidValue('x', 'a"b\\c\nd\te\u0001\u007f', ''))).toBe('Invalid value: "a\\"b\\\\c\\nd\\te\\x01\\x7f"');
    expect(fieldErrorBody(invalidValue('x', 'héllo ✓', ''))).toBe('Invalid value: "héllo ✓"');
    expect(fieldErrorBody(invalidValue('x', '\u2028', ''))).toBe('Invalid value: "\\u2028"');
  });

  it('shows a missing value as the quoted string "null", as kube does', () => {
    expect(fieldErrorBody(invalidValue('x', null, 'd'))).toBe('Invalid value: "null": d');
    expect(fieldErrorBody(invalidValue('x', undefined, 'd'))).toBe('Invalid value: "null": d');
  });

  it('shows structured values like Go %#v of decoded JSON', () => {
    expect(fieldErrorBody(invalidValue('x', { b: 1, a: 'x', c: null }, ''))).toBe(
      'Invalid value: map[string]interface {}{"a":"x", "b":1, "c":interface {}(nil)}',
    );
    expect(fieldErrorBody(invalidValue('x', ['a', 2, [true]], ''))).toBe('Invalid value: []interface {}{"a", 2, []interface {}{true}}');
  });

  it('Unsupported lists the supported values', () => {
    expect(formatFieldError(notSupported('spec.x', 'foo', ['a', 'b']))).toBe('spec.x: Unsupported value: "foo": supported values: "a", "b"');
    expect(formatFieldError(notSupported('spec.x', 'foo', []))).toBe('spec.x: Unsupported value: "foo"');
  });

  it('Duplicate, TooLong, TooMany and TypeInvalid', () => {
    expect(formatFieldError(duplicate('spec.peers[1].name', 'p1'))).toBe('spec.peers[1].name: Duplicate value: "p1"');
    expect(formatFieldError(tooLong('metadata.annotations', 'x'.repeat(10), 262144))).toBe(
      'metadata.annotations: Too long: may not be more than 262144 bytes',
    );
    expect(formatFieldError(tooLong('a', 'xx', 1))).toBe('a: Too long: may not be more than 1 byte');
    expect(formatFieldError(tooMany('spec.prefixes', 300, 256))).toBe('spec.prefixes: Too many: 300: must have at most 256 items');
    expect(formatFieldError(tooMany('spec.prefixes', -1, 1))).toBe('spec.prefixes: Too many: must have at most 1 item');
    expect(formatFieldError(typeInvalid('spec.n', 'x', 'must be of type integer'))).toBe(
      'spec.n: Invalid value: "x": must be of type integer',
    );
    expect(typeInvalid('spec.n', 'x').type).toBe('FieldValueTypeInvalid');
  });

  it('aggregates several errors as [a, b], once each', () => {
    const a = required('spec.a');
    const b = invalidValue('spec.b', 1, 'bad');
    expect(formatFieldErrors([a])).toBe('spec.a: Required value');
    expect(formatFieldErrors([a, b, a])).toBe('[spec.a: Required value, spec.b: Invalid value: 1: bad]');
  });
});
