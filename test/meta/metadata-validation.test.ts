import { describe, expect, it } from 'vitest';
import { formatFieldError, formatFieldErrors } from '../../src/meta/field-errors.js';
import { validateAnnotations, validateLabels, validateObjectName } from '../../src/meta/labels.js';

const QUALIFIED_NAME_RULE =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const LABEL_VALUE_RULE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const SUBDOMAIN_RULE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

describe('validateObjectName', () => {
  it('accepts DNS-1123 subdomains up to 253 characters', () => {
    expect(validateObjectName('edge-1.example')).toEqual([]);
    expect(validateObjectName('a'.repeat(253))).toEqual([]);
  });

  it('rejects the rest with apimachinery messages', () => {
    expect(validateObjectName('Edge_1').map(formatFieldError)).toEqual([`metadata.name: Invalid value: "Edge_1": ${SUBDOMAIN_RULE}`]);
    expect(validateObjectName('a'.repeat(254)).map((e) => e.detail)).toEqual(['must be no more than 253 characters']);
    expect(validateObjectName('-a').length).toBe(1);
    expect(validateObjectName('a..b').length).toBe(1);
    expect(validateObjectName('').map(formatFieldError)).toEqual(['metadata.name: Required value: name or generateName is required']);
    expect(validateObjectName('x_', 'spec.routerRef.name')[0]!.field).toBe('spec.routerRef.name');
  });
});

describe('validateLabels', () => {
  it('accepts prefixed and plain keys with valid values', () => {
    expect(validateLabels({ app: 'x', 'bgp.miloapis.com/role': 'edge_1', 'k8s.io/empty': '', 'A.b-c_d': 'V' })).toEqual([]);
    expect(validateLabels(undefined)).toEqual([]);
  });

  it('reports bad keys at the labels path with kube wording', () => {
    expect(validateLabels({ '-bad': 'x' }).map(formatFieldError)).toEqual([`metadata.labels: Invalid value: "-bad": name part ${QUALIFIED_NAME_RULE}`]);
    expect(validateLabels({ 'Example.com/x': 'v' }).map((e) => e.detail)).toEqual([`prefix part ${SUBDOMAIN_RULE}`]);
    expect(validateLabels({ '/x': 'v' }).map((e) => e.detail)).toEqual(['prefix part must be non-empty']);
    expect(validateLabels({ 'a/': 'v' }).map((e) => e.detail)).toEqual(['name part must be non-empty', `name part ${QUALIFIED_NAME_RULE}`]);
    expect(validateLabels({ 'a/b/c': 'v' }).map((e) => e.detail)).toEqual([
      `a qualified name ${QUALIFIED_NAME_RULE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ]);
    expect(validateLabels({ ['k'.repeat(64)]: 'v' }).map((e) => e.detail)).toEqual(['name part must be no more than 63 characters']);
  });

  it('reports bad values', () => {
    expect(validateLabels({ app: 'has space' }, 'spec.labels').map(formatFieldError)).toEqual([`spec.labels: Invalid value: "has space": ${LABEL_VALUE_RULE}`]);
    expect(validateLabels({ app: 'v'.repeat(64) }).map((e) => e.detail)).toEqual(['must be no more than 63 characters']);
  });
});

describe('validateAnnotations', () => {
  it('accepts any value and keys in any case', () => {
    expect(validateAnnotations({ 'Example.com/Note': 'free text: with spaces\nand lines' })).toEqual([]);
  });

  it('rejects bad keys', () => {
    expect(validateAnnotations({ 'bad key': 'x' }).map(formatFieldError)).toEqual([
      `metadata.annotations: Invalid value: "bad key": name part ${QUALIFIED_NAME_RULE}`,
    ]);
  });

  it('caps the total size at 256 KiB of keys and values', () => {
    expect(validateAnnotations({ a: 'x'.repeat(256 * 1024 - 1) })).toEqual([]);
    const errs = validateAnnotations({ a: 'x'.repeat(256 * 1024) });
    expect(formatFieldErrors(errs)).toBe('metadata.annotations: Too long: may not be more than 262144 bytes');
    // Multi-byte characters count as their UTF-8 bytes.
    expect(validateAnnotations({ a: 'é'.repeat(128 * 1024) })).toHaveLength(1);
  });
});
