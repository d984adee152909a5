// The hostile requests: malformed or malicious bodies for every kind, its main resource
// and its status, walked from the reference CRDs' schemas and chosen by a seeded random
// source, each of which the server must refuse with a 4xx Status. Every one is invalid
// by construction (a wrong type, a broken bound, bytes that are no document...), so an
// answer other than 4xx is a server bug.
import type { JSONSchemaProps } from '../../src/api/kinds.js';
import type { KubeObject } from '../../src/api/object.js';
import { COVERAGE } from '../admission/fixtures.js';
import { findInstance, getAt, referenceSchemaNodes, type Instance, type SchemaNode } from '../admission/schema-walk.js';
import { pathOf } from './api.js';
import { jsonBytes, onTheWire, Random, Raw, transportsFor, type Change, type Transport, type WireRequest } from './hostile-wire.js';

export interface HostileRequest extends WireRequest {
  category: string;
  /** What is hostile about it, for the failure report. */
  label: string;
}

/** The coverage objects as the server holds them, to change. */
export interface Bases {
  resourceVersion(object: KubeObject): string;
}

const MiB = 1024 * 1024;

const instances: { node: SchemaNode; instance: Instance }[] = referenceSchemaNodes().flatMap((node) => {
  const instance = findInstance(node);
  return instance ? [{ node, instance }] : [];
});

const BASES = Object.values(COVERAGE).flat();

/** Builds requests for one category, naming creates uniquely. */
class Category {
  readonly requests: HostileRequest[] = [];
  private created = 0;

  constructor(
    readonly name: string,
    readonly random: Random,
    private readonly bases: Bases,
  ) {}

  change(base: KubeObject, keys: (string | number)[], value: unknown): Change {
    return { base, resourceVersion: this.bases.resourceVersion(base), keys, value };
  }

  /** The change through the given transport, or one the random source picks among those that can carry it. */
  add(label: string, change: Change, opts: { transport?: Transport; query?: string } = {}): void {
    const transport = opts.transport ?? this.random.pick(transportsFor(change.keys));
    const wire = onTheWire(change, transport, { freshName: `${this.name.replace(/[^a-z]+/g, '-')}-${++this.created}`, query: opts.query });
    this.requests.push({ category: this.name, label: `${label} (${transport})`, ...wire });
  }

  raw(label: string, request: WireRequest): void {
    this.requests.push({ category: this.name, label, ...request });
  }
}

/** A value of every JSON type but the schema's (null aside: it means "absent" to kube). */
const WRONG_TYPED: Record<string, unknown[]> = {
  string: [12345, true, { a: 'b' }, ['x']],
  integer: ['1', 1.5, true, [1], { n: 1 }],
  number: ['1', true, [1]],
  boolean: ['true', 1, [], {}],
  array: ['x', 1, { a: 1 }, true],
  object: ['x', 1, [], false],
};

function wrongTypes(c: Category): void {
  for (const { node, instance } of instances) {
    for (const value of WRONG_TYPED[node.schema.type ?? ''] ?? []) {
      c.add(`${node.kind} ${instance.path} = ${JSON.stringify(value)}`, c.change(instance.object, instance.keys, value));
    }
  }
}

// Type meta and ObjectMeta: wrong types and values kube-apiserver refuses for any kind.
const METADATA_CHANGES: [string[], unknown][] = [
  [['metadata'], 'x'],
  [['metadata'], []],
  [['metadata', 'name'], 12345],
  [['metadata', 'name'], 'Not_A_Name'],
  [['metadata', 'name'], ''],
  [['metadata', 'namespace'], ['default']],
  [['metadata', 'namespace'], 'another-namespace'],
  [['metadata', 'labels'], ['a=b']],
  [['metadata', 'labels'], { 'not a key!': 'v' }],
  [['metadata', 'labels'], { ok: 5 }],
  [['metadata', 'labels'], { ok: 'not a value!' }],
  [['metadata', 'annotations'], 'x'],
  [['metadata', 'annotations'], { ok: { nested: true } }],
  [['metadata', 'annotations'], { 'bad/key/twice': 'v' }],
  [['metadata', 'finalizers'], 'x'],
  [['metadata', 'finalizers'], [1]],
  [['metadata', 'ownerReferences'], 'x'],
  [['metadata', 'ownerReferences'], [{ kind: 5 }]],
  [['apiVersion'], 5],
  [['apiVersion'], 'v1'],
  [['apiVersion'], 'bgp.miloapis.com/v9'],
  [['kind'], 5],
  [['kind'], 'Pod'],
];

function metadata(c: Category): void {
  for (const base of BASES.filter((b) => b.metadata.name === 'coverage')) {
    for (const [keys, value] of METADATA_CHANGES) c.add(`${base.kind} ${keys.join('.')} = ${JSON.stringify(value)}`, c.change(base, keys, value));
  }
}

/** The string schemas that refuse a 1 MiB string on their own. */
const refusesHugeStrings = (s: JSONSchemaProps) =>
  s.type === 'string' && (s.maxLength !== undefined || s.enum !== undefined || s.pattern !== undefined || s.format !== undefined || !!s['x-kubernetes-validations']);

function hugeValues(c: Category): void {
  const { random } = c;
  const fillers = [(n: number) => 'a'.repeat(n), (n: number) => '9'.repeat(n), (n: number) => 'é'.repeat(n / 2), (n: number) => ':'.repeat(n), (n: number) => '\u{1F600}'.repeat(n / 4)];
  for (const { node, instance } of instances.filter(({ node }) => refusesHugeStrings(node.schema))) {
    c.add(`${node.kind} ${instance.path} = 1 MiB string`, c.change(instance.object, instance.keys, random.pick(fillers)(MiB)));
  }
  const router = COVERAGE.BGPRouter![0]!;
  const huge = 'x'.repeat(MiB);
  c.add('metadata.name of 1 MiB', c.change(router, ['metadata', 'name'], huge), { transport: 'POST' });
  c.add('label value of 1 MiB', c.change(router, ['metadata', 'labels'], { a: huge }));
  c.add('label key of 1 MiB', c.change(router, ['metadata', 'labels'], { [huge]: 'a' }));
  c.add('annotations of 2 MiB', c.change(router, ['metadata', 'annotations'], { a: huge, b: huge }));
  c.add('unknown field of 1 MiB, strict', c.change(router, ['spec', huge], 1), { query: 'fieldValidation=Strict' });
  c.add('body of 4 MiB', c.change(router, ['spec', 'targetRef', 'name'], 'n'.repeat(4 * MiB)));
  c.add('body of 40 MiB', c.change(router, ['spec', 'targetRef', 'name'], 'n'.repeat(40 * MiB)));
  // Long lists: over maxItems, or repeating a list-map key, 5,000 times.
  const longLists = instances.filter(({ node, instance }) => node.schema.type === 'array' && Array.isArray(getAt(instance.object, instance.keys)));
  for (const { node, instance } of longLists.filter(({ node }) => node.schema.maxItems !== undefined || node.schema['x-kubernetes-list-type'] === 'map')) {
    const first = (getAt(instance.object, instance.keys) as unknown[])[0];
    // Not as a strategic merge patch, which merges repeated entries of sets and maps into one.
    const transport = random.pick(transportsFor(instance.keys).filter((t) => t !== 'strategic'));
    c.add(`${node.kind} ${instance.path} with 5,000 items`, c.change(instance.object, instance.keys, Array.from({ length: 5_000 }, () => first)), { transport });
  }
}

const nestedArrays = (depth: number) => new Raw(`${'['.repeat(depth)}${']'.repeat(depth)}`);
const nestedObjects = (depth: number) => new Raw(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

function deepNesting(c: Category): void {
  const { random } = c;
  for (const depth of [10_000, 100_000, 1_000_000]) {
    for (const nested of [nestedArrays, nestedObjects]) {
      for (let i = 0; i < 8; i++) {
        const { node, instance } = random.pick(instances);
        c.add(`${node.kind} ${instance.path} = ${depth} levels of ${nested === nestedArrays ? 'arrays' : 'objects'}`, c.change(instance.object, instance.keys, nested(depth)));
      }
    }
  }
}

// Inputs to `matches()` rules and schema patterns within the fields' bounds (so the rules
// do run), shaped to make a backtracking engine take exponential or quadratic time.
function regexBombs(c: Category): void {
  const policy = COVERAGE.BGPPolicy![0]!;
  const advertisement = COVERAGE.BGPAdvertisement![0]!;
  const vrf = COVERAGE.BGPVRFInstance![0]!;
  const peer = COVERAGE.BGPPeer![0]!;
  const term = ['spec', 'terms', 0];
  const bombs: [KubeObject, (string | number)[], unknown][] = [
    [advertisement, ['spec', 'communities'], Array.from({ length: 64 }, () => `${'0'.repeat(30)}:x`)],
    [advertisement, ['spec', 'communities'], Array.from({ length: 64 }, () => `${'1.'.repeat(15)}:`)],
    [advertisement, ['spec', 'prefixes'], Array.from({ length: 256 }, (_, i) => `${':'.repeat(60)}${i}!`)],
    [advertisement, ['spec', 'prefixes'], Array.from({ length: 256 }, (_, i) => `${'1.'.repeat(30)}${i}`)],
    [advertisement, ['spec', 'prefixes'], Array.from({ length: 256 }, (_, i) => `${'a:'.repeat(30)}/${i}x`)],
    [policy, [...term, 'match', 'communityMatch'], Array.from({ length: 32 }, () => `${'9'.repeat(31)}!`)],
    [policy, [...term, 'set', 'extCommunities', 'add'], Array.from({ length: 32 }, () => `${'a:.'.repeat(21)}!`)],
    [policy, [...term, 'set', 'extCommunities', 'remove'], Array.from({ length: 32 }, () => `${'f'.repeat(63)}_`)],
    [policy, [...term, 'match', 'macAddress'], `${'aa:'.repeat(300_000)}!`],
    [policy, [...term, 'match', 'macAddress'], `${'a'.repeat(MiB)}`],
    [vrf, ['spec', 'routeDistinguisher'], `${'1.'.repeat(10)}:`],
    [vrf, ['spec', 'routeDistinguisher'], `${'9'.repeat(20)}x`],
    [vrf, ['spec', 'importRouteTargets'], Array.from({ length: 32 }, (_, i) => ({ value: `${'1.'.repeat(9)}1:${i}x` }))],
    [vrf, ['spec', 'exportRouteTargets'], Array.from({ length: 32 }, (_, i) => ({ value: `${'9'.repeat(19)}:${i}` }))],
    [peer, ['spec', 'address'], `${'1:'.repeat(20)}x`],
    [peer, ['spec', 'holdTime'], `${'1h'.repeat(1000)}x`],
    [peer, ['spec', 'keepaliveTime'], `${'9'.repeat(10_000)}s`],
  ];
  const condition = (field: string, value: string) => ({ type: 'Ready', status: 'True', reason: 'Ok', message: 'm', lastTransitionTime: '2024-05-01T10:00:00Z', [field]: value });
  for (const base of BASES.filter((b) => b.status)) {
    bombs.push([base, ['status', 'conditions'], [condition('reason', `${'a'.repeat(1023)}!`)]]);
    bombs.push([base, ['status', 'conditions'], [condition('reason', `A${'a,'.repeat(511)}`)]]);
    bombs.push([base, ['status', 'conditions'], [condition('type', `${'a.'.repeat(157)}-`)]]);
    bombs.push([base, ['status', 'conditions'], [condition('type', `${'a-'.repeat(150)}/${'b'.repeat(15)}!`)]]);
  }
  for (const [base, keys, value] of bombs) {
    for (let i = 0; i < 2; i++) c.add(`${base.kind} ${keys.join('.')} = regex bomb ${String(JSON.stringify(value)).slice(0, 40)}…`, c.change(base, keys, value));
  }
}

/** A write of a value the instance already has: valid, until the bytes on the wire are broken. */
function validWrite(c: Category, json: boolean): { label: string; request: WireRequest } {
  const { node, instance } = c.random.pick(instances);
  const transport = c.random.pick(transportsFor(instance.keys));
  const change = c.change(instance.object, instance.keys, getAt(instance.object, instance.keys));
  return { label: `${node.kind} ${instance.path} (${transport})`, request: onTheWire(change, transport, { freshName: `valid-${c.requests.length}`, json }) };
}

const INVALID_UTF8 = ['ff', 'fe', 'c328', 'a0a1', 'e228a1', 'e28228', 'f0288cbc', 'f8a1a1a1a1', 'c0af', 'eda080', 'f4908080', 'e282'].map((hex) => Buffer.from(hex, 'hex'));

function invalidUtf8(c: Category, count: number): void {
  const { random } = c;
  for (let i = 0; i < count; i++) {
    const { label, request } = validWrite(c, false);
    const bytes = random.pick(INVALID_UTF8);
    const quotes = [...request.body.entries()].filter(([, b]) => b === 0x22).map(([at]) => at);
    // After an opening quote: inside a key or a string value. Else anywhere.
    const at = quotes.length && random.int(0, 3) > 0 ? random.pick(quotes.filter((_, k) => k % 2 === 0)) + 1 : random.int(0, request.body.length);
    const body = Buffer.concat([request.body.subarray(0, at), bytes, request.body.subarray(at)]);
    c.raw(`${label} with bytes ${bytes.toString('hex')} at ${at}`, { ...request, body });
  }
}

function truncated(c: Category, count: number): void {
  const { random } = c;
  for (let i = 0; i < count; i++) {
    const { label, request } = validWrite(c, true);
    const at = random.int(0, request.body.length - 1);
    c.raw(`${label} cut at byte ${at} of ${request.body.length}`, { ...request, body: request.body.subarray(0, at) });
  }
}

/** Billion laughs: each level a list of `fanOut` aliases of the level below. */
function laughs(levels: number, fanOut: number, laugh = 'lol'): string {
  const lines = [`l0: &l0 [${Array(fanOut).fill(JSON.stringify(laugh)).join(', ')}]`];
  for (let i = 1; i < levels; i++) lines.push(`l${i}: &l${i} [${Array(fanOut).fill(`*l${i - 1}`).join(', ')}]`);
  return lines.join('\n');
}

function yamlBombs(c: Category): void {
  const { random } = c;
  const targets = [...BASES];
  const bombs: [string, (top: number) => string][] = [
    ['spec is a billion laughs', (n) => `${laughs(9, 9)}\nspec: *l${n}`],
    ['a label is a billion laughs', (n) => `${laughs(9, 9)}\nmetadata: {name: bomb, namespace: default, labels: {a: *l${n}}}`],
    ['the description is a billion laughs', (n) => `${laughs(10, 10)}\nspec: {description: *l${n}}`],
    ['status is a billion laughs', (n) => `${laughs(9, 9)}\nstatus: {conditions: *l${n}}`],
    ['merge keys of merge keys', (n) => `${laughs(6, 12)}\nx0: &x0 {a: *l${Math.min(n, 5)}}\n${Array.from({ length: 9 }, (_, i) => `x${i + 1}: &x${i + 1} {<<: [*x${i}], k${i}: *x${i}}`).join('\n')}\nspec: *x9`],
    ['1,000 aliases of one anchor', () => `a: &a [1]\nspec: {roles: [${Array(1000).fill('*a').join(', ')}]}`],
    ['a self-referencing anchor', () => `spec: &s {self: *s}`],
    ['an alias to no anchor', () => `spec: *nothing`],
    ['a long anchor chain', () => `${Array.from({ length: 500 }, (_, i) => `a${i}: &a${i} ${i ? `[*a${i - 1}, *a${i - 1}]` : '[x]'}`).join('\n')}\nspec: *a499`],
  ];
  for (const [label, bomb] of bombs) {
    for (const transport of ['POST yaml', 'PUT yaml', 'apply', 'merge'] as const) {
      const base = random.pick(targets);
      const identity = `apiVersion: ${base.apiVersion}\nkind: ${base.kind}\nmetadata: {name: ${base.metadata.name}, namespace: default}\n`;
      const text = `${identity}${bomb(random.int(6, 8))}\n`;
      const path = transport === 'POST yaml' ? pathOf(base) : pathOf(base, { name: base.metadata.name });
      const method = transport === 'POST yaml' ? 'POST' : transport === 'PUT yaml' ? 'PUT' : 'PATCH';
      const contentType = { 'POST yaml': 'application/yaml', 'PUT yaml': 'application/yaml', apply: 'application/apply-patch+yaml', merge: 'application/merge-patch+json' }[transport];
      c.raw(`${base.kind}: ${label} (${transport})`, { method, path: transport === 'apply' ? `${path}?fieldManager=hostile` : path, contentType, body: Buffer.from(text) });
    }
  }
}

const BEYOND_INT64 = ['9223372036854775808', '-9223372036854775809', '18446744073709551616', '92233720368547758070000', '1e19', '-1e400', '1e400', '9.3e18', '123456789012345678901234567890.5'];

function bigNumbers(c: Category): void {
  const { random } = c;
  for (const { node, instance } of instances.filter(({ node }) => node.schema.type === 'integer')) {
    for (let i = 0; i < 3; i++) {
      const literal = random.pick(BEYOND_INT64);
      c.add(`${node.kind} ${instance.path} = ${literal}`, c.change(instance.object, instance.keys, new Raw(literal)));
    }
  }
}

/** The object's JSON text with `key` written twice: first as it is, last as `last`. */
function withRepeatedKey(object: Record<string, unknown>, key: string, last: unknown): Raw {
  const entries = [...Object.entries(object), [key, last] as const].map(([k, v]) => `${JSON.stringify(k)}:${jsonBytes(v).toString()}`);
  return new Raw(`{${entries.join(',')}}`);
}

function duplicateKeys(c: Category): void {
  const { random } = c;
  const objectFields = instances.filter(({ instance }) => typeof instance.keys.at(-1) === 'string' && instance.keys.length > 1);
  for (let i = 0; i < 100; i++) {
    const { node, instance } = random.pick(objectFields);
    const parentKeys = instance.keys.slice(0, -1);
    const parent = getAt(instance.object, parentKeys) as Record<string, unknown>;
    const key = instance.keys.at(-1) as string;
    const strict = random.int(0, 1) === 1;
    // Strict refuses any repeat; otherwise the last value counts, and it is of the wrong type.
    const last = strict ? parent[key] : random.pick(WRONG_TYPED[node.schema.type ?? ''] ?? [12345]);
    c.add(`${node.kind} ${instance.path} repeated${strict ? ', strict' : `, last = ${JSON.stringify(last)}`}`, c.change(instance.object, parentKeys, withRepeatedKey(parent, key, last)), {
      query: strict ? 'fieldValidation=Strict' : undefined,
    });
  }
}

const OBJECT_TYPES_REFUSED = ['text/plain', 'application/xml', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream', 'application/cbor', 'application/json-patch+json', 'application/merge-patch+json', 'application/apply-patch+yaml', 'text/yaml', 'application/jsonx', 'json', 'application/', '*/*'];
const PATCH_TYPES_REFUSED = ['application/json', 'application/yaml', 'text/plain', 'application/xml', 'application/merge-patch+yaml', 'application/json-patch+yaml', 'application/strategic-merge-patch+yaml', 'application/vnd.kubernetes.protobuf', '*/*'];

function contentTypes(c: Category): void {
  const { random } = c;
  for (let i = 0; i < 60; i++) {
    const { label, request } = validWrite(c, false);
    const refused = request.method === 'PATCH' ? PATCH_TYPES_REFUSED : OBJECT_TYPES_REFUSED;
    const contentType = random.pick(refused.filter((t) => t !== request.contentType));
    c.raw(`${label} sent as ${contentType}`, { ...request, contentType });
  }
  // Protobuf bodies that are no protobuf object: no envelope, a broken envelope, JSON.
  const router = COVERAGE.BGPRouter![0]!;
  const magic = Buffer.from('6b387300', 'hex');
  const protobufBodies = [Buffer.from('not protobuf'), magic, Buffer.concat([magic, Buffer.from('0aff', 'hex')]), Buffer.concat([magic, Buffer.alloc(64, 0xff)]), Buffer.concat([magic, jsonBytes(router)])];
  for (const body of protobufBodies) {
    c.raw(`protobuf body ${body.subarray(0, 8).toString('hex')}… (POST)`, { method: 'POST', path: pathOf(router), contentType: 'application/vnd.kubernetes.protobuf', body });
    c.raw(`protobuf body ${body.subarray(0, 8).toString('hex')}… (PUT)`, { method: 'PUT', path: pathOf(router, { name: router.metadata.name }), contentType: 'application/vnd.kubernetes.protobuf', body });
  }
}

// Documents that are no valid patch of their type, or whose result is no valid object.
// Those that only break spec are sent to the main resource: /status ignores spec.
const BROKEN_PATCHES: Record<string, { body: string; mainOnly?: boolean }[]> = {
  'application/merge-patch+json': [
    'null',
    '"x"',
    '42',
    'true',
    '[]',
    '[{"spec":{}}]',
    '{"metadata":null}',
    '{"metadata":{"name":null}}',
    '{"apiVersion":null}',
    '{"kind":"Pod"}',
    '{"metadata":{"name":"renamed"}}',
    '{"metadata":{"namespace":"elsewhere"}}',
  ].map((body) => ({ body })),
  'application/json-patch+json': [
    ...[
      '{}',
      '[{}]',
      '[1]',
      '[{"op":"bogus","path":"/spec"}]',
      '[{"op":"add"}]',
      '[{"op":"remove","path":"/spec/nonexistent"}]',
      '[{"op":"replace","path":"/nope/deeper","value":1}]',
      '[{"op":"test","path":"/spec","value":null}]',
      '[{"op":"move","from":"/nope","path":"/spec/x"}]',
      '[{"op":"remove","path":"/metadata"}]',
      '[{"op":"replace","path":"/metadata/name","value":"renamed"}]',
      '[{"op":"replace","path":"spec","value":1}]',
      '[{"op":"replace","path":"/~2","value":1}]',
      `[${Array(20_000).fill('{"op":"add","path":"/spec/junk","value":1}').join(',')},{"op":"test","path":"/spec/junk","value":2}]`,
    ].map((body) => ({ body })),
    { body: '[{"op":"replace","path":"/spec","value":1}]', mainOnly: true },
  ],
  'application/strategic-merge-patch+json': [
    ...['[]', '{"$patch":"delete"}', '{"metadata":{"$patch":"delete"}}', '{"metadata":{"name":"renamed"}}'].map((body) => ({ body })),
    ...['{"spec":{"$patch":"replace"}}', '{"spec":{"$patch":"bogus"}}', '{"spec":{"$retainKeys":"x"}}', '{"spec":{"$retainKeys":["nonexistent"]}}', '{"spec":"x"}'].map((body) => ({ body, mainOnly: true })),
  ],
  'application/apply-patch+yaml': ['null', '[]', 'spec: {}', 'apiVersion: v1\nkind: Pod\nmetadata: {name: x}', '---\na: 1\n---\nb: 2', '{"apiVersion": 1}', 'kind: [', '%YAML 9.9\n---\na: 1'].map((body) => ({
    body,
  })),
};

function brokenPatches(c: Category): void {
  const { random } = c;
  for (const [contentType, bodies] of Object.entries(BROKEN_PATCHES)) {
    for (const { body, mainOnly } of bodies) {
      for (let i = 0; i < 2; i++) {
        const base = random.pick(BASES);
        const subresource = !mainOnly && base.status && random.int(0, 2) === 0 ? 'status' : undefined;
        const query = contentType.startsWith('application/apply') ? '?fieldManager=hostile' : '';
        c.raw(`${base.kind}${subresource ? '/status' : ''} ${contentType}: ${body.slice(0, 60)}`, {
          method: 'PATCH',
          path: `${pathOf(base, { name: base.metadata.name, subresource })}${query}`,
          contentType,
          body: Buffer.from(body),
        });
      }
    }
  }
  // Bodies that are no object where an object is required.
  for (const body of ['', ' ', '[]', '"x"', '42', 'null', 'true', '{}', '{"apiVersion":"bgp.miloapis.com/v1alpha1"}']) {
    const base = random.pick(BASES);
    c.raw(`${base.kind} create from ${JSON.stringify(body)}`, { method: 'POST', path: pathOf(base), contentType: 'application/json', body: Buffer.from(body) });
    c.raw(`${base.kind} replace with ${JSON.stringify(body)}`, { method: 'PUT', path: pathOf(base, { name: base.metadata.name }), contentType: 'application/json', body: Buffer.from(body) });
  }
}

export const TOTAL = 2000;

/**
 * The hostile requests, TOTAL in all: the categories in order, the last (truncated
 * bodies) filling up to TOTAL. The same seed gives the same requests.
 */
export function hostileRequests(seed: number, bases: Bases): HostileRequest[] {
  const random = new Random(seed);
  const category = (name: string, fill: (c: Category) => void) => {
    const c = new Category(name, random, bases);
    fill(c);
    return c.requests;
  };
  const requests = [
    ...category('wrong types at every schema path', wrongTypes),
    ...category('type meta and metadata', metadata),
    ...category('huge strings and lists', hugeValues),
    ...category('deep nesting', deepNesting),
    ...category('regex bombs', regexBombs),
    ...category('YAML bombs', yamlBombs),
    ...category('numbers beyond 2^63', bigNumbers),
    ...category('duplicate keys', duplicateKeys),
    ...category('wrong content types', contentTypes),
    ...category('broken patches and bodies', brokenPatches),
    ...category('invalid UTF-8', (c) => invalidUtf8(c, 100)),
  ];
  if (requests.length >= TOTAL) throw new Error(`${requests.length} requests before the truncated ones: raise TOTAL`);
  return [...requests, ...category('truncated bodies', (c) => truncated(c, TOTAL - requests.length))];
}
