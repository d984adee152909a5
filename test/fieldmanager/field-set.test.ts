import { describe, expect, it } from 'vitest';
import { describePath, FieldSet, fieldSetOf, objectSchema } from '../../src/registry/fieldmanager/index.js';
import { configOf, fullRouterSpec, policyKind, routerKind } from './support.js';

const f = (name: string) => `f:${name}`;

describe('FieldsV1', () => {
  it('writes members as {} and members with descendants with "."', () => {
    const set = FieldSet.of([f('spec')], [f('spec'), f('localASN')], [f('metadata'), f('labels'), f('app')]);
    expect(set.toFieldsV1()).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': { '.': {}, 'f:localASN': {} },
    });
  });

  it('reads what it writes', () => {
    const fieldsV1 = {
      'f:spec': {
        '.': {},
        'f:addressFamilies': { 'k:{"afi":"ipv4","safi":"unicast"}': { '.': {}, 'f:afi': {}, 'f:safi': {} } },
        'f:roles': { 'v:"fabric"': {} },
      },
    };
    const set = FieldSet.fromFieldsV1(fieldsV1);
    expect(set.toFieldsV1()).toEqual(fieldsV1);
    expect(JSON.stringify(set.toFieldsV1())).toBe(JSON.stringify(fieldsV1));
    expect(set.has([f('spec')])).toBe(true);
    expect(set.has([f('spec'), f('addressFamilies')])).toBe(false);
    expect(set.has([f('spec'), f('addressFamilies'), 'k:{"afi":"ipv4","safi":"unicast"}', f('safi')])).toBe(true);
  });

  it('orders elements as structured-merge-diff does: fields, keys, values, indexes', () => {
    const set = FieldSet.of(['i:2'], ['v:"b"'], ['v:10'], ['v:9'], ['k:{"sequence":20}'], ['k:{"sequence":3}'], [f('z')], [f('a')], ['i:10']);
    expect(Object.keys(set.toFieldsV1())).toEqual(['f:a', 'f:z', 'k:{"sequence":3}', 'k:{"sequence":20}', 'v:9', 'v:10', 'v:"b"', 'i:2', 'i:10']);
  });

  it('reads keys written with other key orders or escapes as the same element', () => {
    const set = FieldSet.fromFieldsV1({ 'k:{"safi":"unicast","afi":"ipv4"}': {}, 'v:"a\\u003cb"': {} });
    expect(set.has(['k:{"afi":"ipv4","safi":"unicast"}'])).toBe(true);
    expect(set.has(['v:"a\\u003cb"'])).toBe(true);
    expect(FieldSet.fromFieldsV1({ 'v:"a<b"': {} }).toFieldsV1()).toEqual({ 'v:"a\\u003cb"': {} });
  });

  it.each([
    ['a non-object', []],
    ['a non-object entry', { 'f:spec': true }],
    ['an unknown element kind', { 'x:spec': {} }],
    ['a key that is not a JSON object', { 'k:[1]': {} }],
    ['a value that is not JSON', { 'v:{': {} }],
  ])('rejects %s', (_, fieldsV1) => {
    expect(() => FieldSet.fromFieldsV1(fieldsV1)).toThrow();
  });
});

describe('set operations', () => {
  const a = FieldSet.of([f('spec'), f('localASN')], [f('spec'), f('routerID')], [f('spec')]);
  const b = FieldSet.of([f('spec'), f('routerID')], [f('spec'), f('roles')]);

  it('union', () => {
    expect(a.union(b).paths().map(describePath)).toEqual(['.spec', '.spec.localASN', '.spec.roles', '.spec.routerID']);
  });

  it('intersection', () => {
    expect(a.intersection(b).paths().map(describePath)).toEqual(['.spec.routerID']);
  });

  it('difference removes members only, not what lies below them', () => {
    expect(a.difference(b).paths().map(describePath)).toEqual(['.spec', '.spec.localASN']);
    expect(a.difference(FieldSet.of([f('spec')])).paths().map(describePath)).toEqual(['.spec.localASN', '.spec.routerID']);
  });

  it('leaves no empty nodes behind', () => {
    const emptied = a.difference(a);
    expect(emptied.empty).toBe(true);
    expect(emptied.toFieldsV1()).toEqual({});
  });

  it('equality ignores how a set was built', () => {
    expect(a.union(b).equals(b.union(a))).toBe(true);
    expect(a.equals(b)).toBe(false);
  });
});

describe('the fields an object sets', () => {
  const schema = objectSchema(routerKind);

  it('follows the schema: list-map items by key, set items by value, struct fields by their leaves', () => {
    const router = configOf(routerKind, { spec: fullRouterSpec() }, { labels: { app: 'edge' }, finalizers: ['cosmos/cleanup'] });
    expect(fieldSetOf(router, schema).toFieldsV1()).toEqual({
      'f:apiVersion': {},
      'f:kind': {},
      'f:metadata': { 'f:finalizers': { 'v:"cosmos/cleanup"': {} }, 'f:labels': { 'f:app': {} }, 'f:name': {}, 'f:namespace': {} },
      'f:spec': {
        'f:addressFamilies': { 'k:{"afi":"ipv4","safi":"unicast"}': { '.': {}, 'f:afi': {}, 'f:safi': {} } },
        'f:localASN': {},
        'f:roles': { 'v:"fabric"': {} },
        'f:routerID': {},
        'f:targetRef': { 'f:kind': {}, 'f:name': {} },
      },
    });
  });

  it('owns an atomic list as a whole', () => {
    const policy = configOf(policyKind, {
      spec: { terms: [{ sequence: 10, action: 'permit', match: {}, set: { asPath: { replace: [65001, 65001] } } }] },
    });
    const set = fieldSetOf(policy, objectSchema(policyKind));
    const term = [f('spec'), f('terms'), 'k:{"sequence":10}'];
    expect(set.has([...term, f('set'), f('asPath'), f('replace')])).toBe(true);
    expect(set.has([...term, f('match')])).toBe(true);
  });

  it('owns empty and null struct fields themselves', () => {
    const set = fieldSetOf(configOf(routerKind, { spec: { targetRef: {}, routerID: null } }), schema);
    expect(set.has([f('spec'), f('targetRef')])).toBe(true);
    expect(set.has([f('spec'), f('routerID')])).toBe(true);
  });

  it('prints paths as kube does in conflicts', () => {
    expect(describePath([f('spec'), f('addressFamilies'), 'k:{"afi":"ipv4","safi":"unicast"}', f('safi')])).toBe(
      '.spec.addressFamilies[afi="ipv4",safi="unicast"].safi',
    );
    expect(describePath([f('spec'), f('roles'), 'v:"fabric"'])).toBe('.spec.roles[="fabric"]');
    expect(describePath([f('spec'), f('terms'), 'k:{"sequence":10}'])).toBe('.spec.terms[sequence=10]');
    expect(describePath([f('metadata'), f('labels'), f('app.kubernetes.io/name')])).toBe('.metadata.labels.app.kubernetes.io/name');
  });
});
