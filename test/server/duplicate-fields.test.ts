import { describe, expect, it } from 'vitest';
import { duplicateFieldWarnings } from '../../src/server/body.js';
import { duplicateJsonFields, duplicateYamlFields } from '../../src/server/duplicate-fields.js';

describe('duplicate fields in request bodies', () => {
  it('finds repeated JSON keys at any depth, with kube-style paths', () => {
    const text = `{"spec":{"localASN":1,"localASN":2,"addressFamilies":[{"afi":"ipv4","afi":"ipv6","safi":"unicast"}]},
      "metadata":{"name":"a","labels":{"x":"1"},"name":"b"}, "s": "a \\"quoted\\" {not:a,key}"}`;
    expect(duplicateJsonFields(text)).toEqual(['spec.localASN', 'spec.addressFamilies[0].afi', 'metadata.name']);
  });

  it('finds none in a clean document, including empty objects and arrays', () => {
    expect(duplicateJsonFields('{"a":{},"b":[],"c":[{},{"d":null}],"e":-1.5e3,"f":true}')).toEqual([]);
  });

  it('finds repeated YAML keys', () => {
    const text = 'spec:\n  localASN: 1\n  localASN: 2\n  roles: [fabric]\nmetadata:\n  name: a\n';
    expect(duplicateYamlFields(text)).toEqual(['spec.localASN']);
  });

  it('rejects under Strict, warns under Warn, stays silent under Ignore', () => {
    expect(() => duplicateFieldWarnings(['spec.a'], 'Strict')).toThrow(/strict decoding error: duplicate field "spec.a"/);
    expect(duplicateFieldWarnings(['spec.a', 'b'], 'Warn')).toEqual(['duplicate field "spec.a"', 'duplicate field "b"']);
    expect(duplicateFieldWarnings(['spec.a'], 'Ignore')).toEqual([]);
  });
});
