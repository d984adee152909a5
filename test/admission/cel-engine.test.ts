// The CEL machinery behind x-kubernetes-validations, on made-up schemas where the
// reference CRDs do not reach: Kubernetes semantics (ints, has(), escaping, transition
// rules, messageExpression, fieldPath, reason), the IP/CIDR library, RE2, the cost bound,
// and the start-up compile that refuses rules it cannot enforce.
import { isCelError, parse, plan } from '@bufbuild/cel';
import { describe, expect, it } from 'vitest';
import { createCelEnvironment } from '../../src/admission/cel/environment.js';
import { createAdmission } from '../../src/admission/index.js';
import type { JSONSchemaProps, ValidationRule } from '../../src/api/kinds.js';
import type { KubeObject } from '../../src/api/object.js';
import { ApiError } from '../../src/meta/status.js';
import { causeLines } from './fixtures.js';
import { syntheticKind, widget } from './synthetic-kind.js';

function admissionFor(spec: JSONSchemaProps) {
  const kind = syntheticKind(spec);
  const admission = createAdmission([kind]);
  return async (object: KubeObject, oldObject?: KubeObject): Promise<string[]> => {
    try {
      await admission.admit({ operation: oldObject ? 'UPDATE' : 'CREATE', kind, object, oldObject, subresource: '', fieldValidation: 'Strict', dryRun: false });
      return [];
    } catch (err) {
      if (!(err instanceof ApiError)) throw err;
      return causeLines(err.status.details?.causes ?? []);
    }
  };
}

const objectWithRules = (properties: Record<string, JSONSchemaProps>, rules: ValidationRule[]): JSONSchemaProps => ({
  type: 'object',
  properties,
  'x-kubernetes-validations': rules,
});

describe('Kubernetes CEL semantics', () => {
  it('integers are CEL ints: division truncates, overflow is an error', async () => {
    const admit = admissionFor(objectWithRules({ n: { type: 'integer' }, x: { type: 'number' } }, [
      { rule: '!has(self.n) || self.n / 2 == 1', message: 'half of n must be 1' },
      { rule: '!has(self.x) || self.x / 2.0 == 1.5', message: 'half of x must be 1.5' },
      { rule: '!has(self.n) || self.n * self.n * self.n * self.n > 0', message: 'n^4 must be positive' },
    ]));
    expect(await admit(widget({ n: 3, x: 3 }))).toEqual([]);
    expect(await admit(widget({ n: 4 }))).toEqual(['spec: Invalid value: "object": half of n must be 1']);
    expect(await admit(widget({ n: 2 ** 20 }))).toEqual([
      'spec: Invalid value: "object": half of n must be 1',
      'spec: Invalid value: "object": integer overflow evaluating rule: n^4 must be positive',
    ]);
  });

  it('has() is false for absent fields and map keys; reading an absent one is an evaluation error', async () => {
    const admit = admissionFor(objectWithRules(
      { a: { type: 'string' }, labels: { type: 'object', additionalProperties: { type: 'string' } } },
      [
        { rule: "has(self.a) || has(self.labels.app)", message: 'a or labels.app' },
        { rule: "self.labels['team'] != ''", message: 'team must not be empty' },
      ],
    ));
    expect(await admit(widget({ labels: { app: 'x', team: 'y' } }))).toEqual([]);
    expect(await admit(widget({ a: 'x', labels: {} }))).toEqual(['spec: Invalid value: "object": no such key: team evaluating rule: team must not be empty']);
    expect(await admit(widget({ labels: { team: 'y' } }))).toEqual(['spec: Invalid value: "object": a or labels.app']);
  });

  it('reaches properties under their escaped names', async () => {
    const admit = admissionFor(objectWithRules({ namespace: { type: 'string' }, 'x-y': { type: 'integer' }, 'a.b': { type: 'integer' } }, [
      { rule: "self.__namespace__ == 'prod' && self.x__dash__y == 1 && self.a__dot__b == 2", message: 'escaped' },
    ]));
    expect(await admit(widget({ namespace: 'prod', 'x-y': 1, 'a.b': 2 }))).toEqual([]);
    expect(await admit(widget({ namespace: 'dev', 'x-y': 1, 'a.b': 2 }))).toEqual(['spec: Invalid value: "object": escaped']);
  });

  it('says "failed rule: <rule>" when the rule has no message', async () => {
    const admit = admissionFor({ type: 'object', properties: { n: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self < 10' }] } } });
    expect(await admit(widget({ n: 11 }))).toEqual(['spec.n: Invalid value: "integer": failed rule: self < 10']);
  });

  it('builds the message from messageExpression, and falls back to message when that fails', async () => {
    const admit = admissionFor({
      type: 'object',
      properties: {
        n: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self < 10', messageExpression: "'n is ' + string(self) + ', above 9'" }] },
        m: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self < 10', message: 'm above 9', messageExpression: "'' " }] },
      },
    });
    expect(await admit(widget({ n: 12, m: 12 }))).toEqual(['spec.n: Invalid value: "integer": n is 12, above 9', 'spec.m: Invalid value: "integer": m above 9']);
  });

  it('reports at fieldPath with the rule reason', async () => {
    const admit = admissionFor(objectWithRules({ limits: { type: 'object', properties: { min: { type: 'integer' }, max: { type: 'integer' } } } }, [
      { rule: 'self.limits.min <= self.limits.max', message: 'max must not be below min', fieldPath: '.limits.max', reason: 'FieldValueForbidden' },
      { rule: 'self.limits.max < 100', message: 'max is required to stay under 100', fieldPath: ".limits['max']", reason: 'FieldValueRequired' },
    ]));
    expect(await admit(widget({ limits: { min: 5, max: 200 } }))).toEqual(['spec.limits.max: Required value: max is required to stay under 100']);
    expect(await admit(widget({ limits: { min: 5, max: 1 } }))).toEqual(['spec.limits.max: Forbidden: max must not be below min']);
  });

  it('skips rules on null values and on nodes that are absent', async () => {
    const admit = admissionFor({
      type: 'object',
      properties: { note: { type: 'string', nullable: true, 'x-kubernetes-validations': [{ rule: "self != ''", message: 'empty note' }] } },
    });
    expect(await admit(widget({ note: null }))).toEqual([]);
    expect(await admit(widget({}))).toEqual([]);
    expect(await admit(widget({ note: '' }))).toEqual(['spec.note: Invalid value: "string": empty note']);
  });
});

describe('transition rules', () => {
  const admit = admissionFor({
    type: 'object',
    properties: {
      size: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self >= oldSelf', message: 'size may not shrink' }] },
      disks: {
        type: 'array',
        'x-kubernetes-list-type': 'map',
        'x-kubernetes-list-map-keys': ['name'],
        items: {
          type: 'object',
          properties: { name: { type: 'string' }, gb: { type: 'integer' } },
          'x-kubernetes-validations': [{ rule: 'self.gb >= oldSelf.gb', message: 'a disk may not shrink' }],
        },
      },
      tags: { type: 'array', items: { type: 'integer', 'x-kubernetes-validations': [{ rule: 'self == oldSelf', message: 'tags are frozen' }] } },
    },
  });
  const old = widget({ size: 10, disks: [{ name: 'a', gb: 10 }, { name: 'b', gb: 20 }], tags: [1] });

  it('are not evaluated on create', async () => {
    expect(await admit(widget({ size: 1, disks: [{ name: 'a', gb: 1 }], tags: [2] }))).toEqual([]);
  });

  it('compare with the old value on update, list-map items by key, other list items not at all', async () => {
    const next = widget({ size: 9, disks: [{ name: 'b', gb: 20 }, { name: 'a', gb: 5 }, { name: 'c', gb: 1 }], tags: [2] });
    expect(await admit(next, old)).toEqual([
      'spec.size: Invalid value: "integer": size may not shrink',
      'spec.disks[1]: Invalid value: "object": a disk may not shrink',
    ]);
    expect(await admit(widget({ size: 11, disks: [{ name: 'a', gb: 10 }] }), old)).toEqual([]);
  });
});

describe('the IP and CIDR library', () => {
  const env = createCelEnvironment();
  const evaluate = (expression: string) => {
    const result = plan(env, parse(expression).expr)();
    return isCelError(result) ? `error: ${result.message}` : result;
  };

  it.each([
    ["isIP('192.0.2.1')", true],
    ["isIP('2001:db8::1')", true],
    ["isIP('::1.2.3.4')", true],
    ["isIP('2001:db8:fabric::1')", false],
    ["isIP('192.0.2.01')", false],
    ["isIP('::ffff:192.0.2.1')", false],
    ["isIP('fe80::1%eth0')", false],
    ["isIP('192.0.2.1/32')", false],
    ["isCIDR('10.0.0.1/24')", true],
    ["isCIDR('2001:db8::/32')", true],
    ["isCIDR('10.0.0.0/33')", false],
    ["isCIDR('10.0.0.0/08')", false],
    ["isCIDR('10.0.0.0')", false],
    ["isCIDR('::ffff:10.0.0.0/104')", false],
    ["ip('2001:db8::1').family()", 6n],
    ["ip('192.0.2.1').family()", 4n],
    ["ip('127.0.0.1').isLoopback() && ip('::1').isLoopback()", true],
    ["ip('0.0.0.0').isUnspecified() && ip('::').isUnspecified()", true],
    ["ip('169.254.1.1').isLinkLocalUnicast() && ip('fe80::1').isLinkLocalUnicast()", true],
    ["ip('224.0.0.5').isLinkLocalMulticast() && ip('ff02::5').isLinkLocalMulticast()", true],
    ["ip('10.0.0.1').isGlobalUnicast() && !ip('255.255.255.255').isGlobalUnicast() && !ip('ff05::1').isGlobalUnicast()", true],
    ["ip.isCanonical('2001:db8::1')", true],
    ["ip.isCanonical('2001:DB8::1')", false],
    ["ip.isCanonical('2001:db8:0:0:0:0:0:1')", false],
    ["string(ip('2001:0db8:0000::0001'))", '2001:db8::1'],
    ["ip('2001:db8::1') == ip('2001:DB8:0::1')", true],
    ["type(ip('192.0.2.1')) == net.IP && type(cidr('10.0.0.0/8')) == net.CIDR", true],
    ["cidr('10.0.0.0/8').containsIP('10.255.0.1') && !cidr('10.0.0.0/8').containsIP(ip('11.0.0.1'))", true],
    ["cidr('10.0.0.0/8').containsIP('2001:db8::1')", false],
    ["cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') && !cidr('10.1.0.0/16').containsCIDR(cidr('10.0.0.0/8'))", true],
    ["string(cidr('10.0.0.1/24').masked())", '10.0.0.0/24'],
    ["string(cidr('10.0.0.1/24').ip())", '10.0.0.1'],
    ["cidr('2001:db8::/48').prefixLength()", 48n],
    ["cidr('10.0.0.1/24') == cidr('10.0.0.0/24')", false],
    ["ip('300.0.0.1')", 'error: IP Address "300.0.0.1" parse error during conversion from string'],
    ["cidr('10.0.0.0/8').containsIP('x')", 'error: IP Address "x" parse error during conversion from string'],
  ])('%s', (expression, expected) => {
    expect(evaluate(expression)).toEqual(expected);
  });

  it('has the string extensions and duration()', () => {
    expect(evaluate("'A-B'.lowerAscii().split('-') == ['a', 'b'] && 'abc'.indexOf('c') == 2 && ' x '.trim() == 'x'")).toBe(true);
    expect(evaluate("duration('1m30s') == duration('90s') && duration('1.5h') > duration('89m')")).toBe(true);
  });
});

describe('RE2 and the cost bound', () => {
  // A backtracking engine takes exponential time on this pair; RE2 is linear.
  const bomb = `${'a'.repeat(50_000)}!`;

  it('matches() on an adversarial input returns at once', async () => {
    const admit = admissionFor({ type: 'object', properties: { s: { type: 'string', 'x-kubernetes-validations': [{ rule: "self.matches('^(a+)+$')", message: 'only a' }] } } });
    const started = performance.now();
    expect(await admit(widget({ s: bomb }))).toEqual(['spec.s: Invalid value: "string": only a']);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('a schema pattern on an adversarial input returns at once', async () => {
    const admit = admissionFor({ type: 'object', properties: { s: { type: 'string', pattern: '^(a|aa)+$' } } });
    const started = performance.now();
    expect(await admit(widget({ s: bomb }))).toEqual([`spec.s: Invalid value: "${bomb}": spec.s in body should match '^(a|aa)+$'`]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('refuses to run a rule whose cost on the given value exceeds the per-call limit, and stops there', async () => {
    const admit = admissionFor({
      type: 'object',
      properties: {
        xs: {
          type: 'array',
          items: { type: 'integer' },
          'x-kubernetes-validations': [
            { rule: 'self.all(x, self.all(y, self.all(z, x + y + z >= 0)))', message: 'sums must not be negative' },
            { rule: 'self.size() < 5', message: 'at most four' },
          ],
        },
      },
    });
    expect(await admit(widget({ xs: [1, 2, 3] }))).toEqual([]);
    const started = performance.now();
    expect(await admit(widget({ xs: Array.from({ length: 2000 }, (_, i) => i) }))).toEqual([
      "spec.xs: Invalid value: \"array\": 'operation cancelled: actual cost limit exceeded': no further validation rules will be run due to call cost exceeds limit for rule: sums must not be negative",
    ]);
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('stops when all the rules of an object together exceed the budget', async () => {
    const scanning = { rule: "self.contains('needle') || self.startsWith('x') || self.endsWith('x') || self.size() > 0", message: 'scans' };
    const properties = Object.fromEntries(
      Array.from({ length: 40 }, (_, i) => [`s${i}`, { type: 'string' as const, 'x-kubernetes-validations': [scanning] }]),
    );
    const admit = admissionFor({ type: 'object', properties });
    const long = 'y'.repeat(1_000_000);
    const errors = await admit(widget(Object.fromEntries(Object.keys(properties).map((k) => [k, long]))));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^spec\.s\d+: Invalid value: "string": validation failed due to running out of cost budget, no further validation rules will be run$/);
  });
});

describe('start-up', () => {
  const failsToStart = (spec: JSONSchemaProps) => () => createAdmission([syntheticKind(spec)]);
  const withRule = (rule: ValidationRule): JSONSchemaProps => objectWithRules({ n: { type: 'integer' } }, [rule]);

  it('compiles every rule of the shipped kinds', async () => {
    const { kinds } = await import('./fixtures.js');
    expect(() => createAdmission(kinds)).not.toThrow();
  });

  it.each([
    ['a syntax error', withRule({ rule: 'self.n >' }), /Widget\.test\.example\.com\/v1\.spec: x-kubernetes-validations rule "self.n >"/],
    ['an unknown function', withRule({ rule: 'url(self.n)' }), /undeclared reference to function "url"/],
    ['an unknown variable', withRule({ rule: 'request.n > 1' }), /undeclared reference to "request"/],
    ['a fieldPath to no field', withRule({ rule: 'true', fieldPath: '.m' }), /fieldPath ".m" names no field/],
    ['optionalOldSelf', withRule({ rule: 'self == oldSelf', optionalOldSelf: true }), /optionalOldSelf/],
    ['a bad messageExpression', withRule({ rule: 'true', messageExpression: "'a' +" }), /x-kubernetes-validations rule "true"/],
    ['a pattern RE2 does not take', { type: 'object', properties: { s: { type: 'string', pattern: '(?=a)' } } } as JSONSchemaProps, /pattern "\(\?=a\)" is not a valid RE2 expression/],
    ['a format kube checks that we do not', { type: 'object', properties: { s: { type: 'string', format: 'uuid' } } } as JSONSchemaProps, /format "uuid" is validated by Kubernetes/],
  ])('refuses %s', (_, spec, message) => {
    expect(failsToStart(spec)).toThrow(message);
  });
});
