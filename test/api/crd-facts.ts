// Checks that our kind definitions carry every fact of the reference CRDs: each object a
// CRD accepts we must accept, each it rejects we must reject, and clients must see the
// same names, columns and documentation. Only additions that cannot change what is
// accepted (new properties, short names, categories, printer columns, list/map merge
// semantics the CRD leaves out) are allowed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { parseAllDocuments } from 'yaml';
import type { KindDefinition, PrinterColumn } from '../../src/api/kinds.js';

type SchemaNode = Record<string, unknown>;

export interface CustomResourceDefinition {
  spec: {
    group: string;
    names: { kind: string; listKind: string; plural: string; singular: string; shortNames?: string[]; categories?: string[] };
    scope: string;
    versions: {
      name: string;
      schema: { openAPIV3Schema: SchemaNode };
      subresources?: Record<string, unknown>;
      additionalPrinterColumns?: PrinterColumn[];
    }[];
  };
}

/** One fact the CRD states that our definition does not carry, or states differently. */
export interface Mismatch {
  version: string;
  /** Where: a schema path such as `spec.addressFamilies[*].afi`, or `names`, `scope`, ... */
  path: string;
  /** What: the keyword or field that differs, such as `enum` or `x-kubernetes-validations[1].message`. */
  fact: string;
  crd: unknown;
  ours: unknown;
}

export function readCrds(dir: string): { file: string; crd: CustomResourceDefinition }[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort()
    .flatMap((name) =>
      parseAllDocuments(readFileSync(join(dir, name), 'utf8'))
        .map((doc) => doc.toJS() as { kind?: string })
        .filter((doc) => doc.kind === 'CustomResourceDefinition')
        .map((doc) => ({ file: name, crd: doc as CustomResourceDefinition })),
    );
}

export function formatMismatch(m: Mismatch): string {
  return `${m.version} ${m.path || '(root)'}: ${m.fact}: CRD ${JSON.stringify(m.crd)}, ours ${JSON.stringify(m.ours)}`;
}

export function crdFactMismatches(crd: CustomResourceDefinition, kinds: KindDefinition[]): Mismatch[] {
  const { group, names, scope } = crd.spec;
  return crd.spec.versions.flatMap((v) => {
    const out: Mismatch[] = [];
    const report = (path: string, fact: string, crdValue: unknown, ours: unknown) => out.push({ version: v.name, path, fact, crd: crdValue, ours });
    const ours = kinds.find((k) => k.group === group && k.kind === names.kind && k.version === v.name);
    if (!ours) {
      report('', 'kind', `${names.kind}.${group}/${v.name}`, undefined);
      return out;
    }
    for (const field of ['listKind', 'plural', 'singular'] as const) {
      if (names[field] !== ours[field]) report('names', field, names[field], ours[field]);
    }
    for (const field of ['shortNames', 'categories'] as const) {
      const missing = (names[field] ?? []).filter((n) => !ours[field].includes(n));
      if (missing.length > 0) report('names', field, names[field], ours[field]);
    }
    if (scope !== ours.scope) report('scope', 'scope', scope, ours.scope);
    for (const name of Object.keys(v.subresources ?? {})) {
      if (name !== 'status') report('subresources', name, v.subresources?.[name], 'not supported by crd-facts.ts');
    }
    const crdHasStatus = v.subresources?.status !== undefined;
    if (crdHasStatus !== ours.hasStatus) report('subresources', 'status', crdHasStatus, ours.hasStatus);
    comparePrinterColumns(v.additionalPrinterColumns ?? [], ours.printerColumns, report);
    compareSchema(v.schema.openAPIV3Schema, ours.schema as SchemaNode, '', report);
    return out;
  });
}

type Report = (path: string, fact: string, crd: unknown, ours: unknown) => void;

function comparePrinterColumns(crdColumns: PrinterColumn[], ourColumns: PrinterColumn[], report: Report): void {
  for (const column of crdColumns) {
    const path = `additionalPrinterColumns[${column.name}]`;
    const ours = ourColumns.find((c) => c.name === column.name);
    if (!ours) {
      report(path, 'column', column, undefined);
      continue;
    }
    for (const field of ['type', 'jsonPath', 'description', 'format'] as const) {
      if (column[field] !== ours[field]) report(path, field, column[field], ours[field]);
    }
    // Absent and 0 mean the same: shown without -o wide.
    if ((column.priority ?? 0) !== (ours.priority ?? 0)) report(path, 'priority', column.priority, ours.priority);
  }
  // kubectl shows columns in order, so ours may interleave extra ones but not reorder.
  const crdOrder = crdColumns.map((c) => c.name);
  const ourOrder = ourColumns.map((c) => c.name).filter((n) => crdOrder.includes(n));
  if (ourOrder.length === crdOrder.length && !isDeepStrictEqual(crdOrder, ourOrder)) {
    report('additionalPrinterColumns', 'order', crdOrder, ourOrder);
  }
}

// Facts that decide acceptance or what clients are told: absent on both sides or equal.
const EQUAL_FACTS = [
  'type',
  'format',
  'enum',
  'default',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'minItems',
  'maxItems',
  'pattern',
  'nullable',
  'description',
  'x-kubernetes-preserve-unknown-fields',
  'x-kubernetes-int-or-string',
  'x-kubernetes-embedded-resource',
];
// Merge semantics for apply and patch: equal where the CRD states them; ours may add them.
const EQUAL_WHERE_CRD_STATES = ['x-kubernetes-list-type', 'x-kubernetes-list-map-keys', 'x-kubernetes-map-type'];
const RULE_FIELDS = ['rule', 'message', 'messageExpression', 'fieldPath', 'reason', 'optionalOldSelf'];
const WALKED = ['required', 'x-kubernetes-validations', 'properties', 'items', 'additionalProperties', 'allOf'];
const KNOWN = new Set([...EQUAL_FACTS, ...EQUAL_WHERE_CRD_STATES, ...WALKED]);

/**
 * Paths: `.name` for a property, `[*]` for array items, `{*}` for map values,
 * `/allOf[i]` for an allOf member.
 */
function compareSchema(crd: SchemaNode, ours: SchemaNode, path: string, report: Report): void {
  // A keyword this checker does not understand could hide a fact, so it fails loudly.
  for (const key of Object.keys(crd)) {
    if (!KNOWN.has(key)) report(path, key, crd[key], 'not checked by crd-facts.ts');
  }
  for (const key of EQUAL_FACTS) {
    if (!isDeepStrictEqual(crd[key], ours[key])) report(path, key, crd[key], ours[key]);
  }
  for (const key of EQUAL_WHERE_CRD_STATES) {
    if (crd[key] !== undefined && !isDeepStrictEqual(crd[key], ours[key])) report(path, key, crd[key], ours[key]);
  }
  // Order of `required` means nothing; an extra entry would reject what the CRD accepts.
  const crdRequired = [...((crd.required as string[] | undefined) ?? [])].sort();
  const ourRequired = [...((ours.required as string[] | undefined) ?? [])].sort();
  if (!isDeepStrictEqual(crdRequired, ourRequired)) report(path, 'required', crd.required, ours.required);

  compareRules(asArray(crd['x-kubernetes-validations']), asArray(ours['x-kubernetes-validations']), path, report);

  const crdProperties = (crd.properties ?? {}) as Record<string, SchemaNode>;
  const ourProperties = (ours.properties ?? {}) as Record<string, SchemaNode>;
  for (const [name, crdProperty] of Object.entries(crdProperties)) {
    const childPath = path ? `${path}.${name}` : name;
    const ourProperty = ourProperties[name];
    if (ourProperty) compareSchema(crdProperty, ourProperty, childPath, report);
    else report(childPath, 'property', 'present', 'missing');
  }
  compareSubschema(crd.items, ours.items, `${path}[*]`, 'items', report);
  if (typeof crd.additionalProperties === 'object' || typeof ours.additionalProperties === 'object') {
    compareSubschema(crd.additionalProperties, ours.additionalProperties, `${path}{*}`, 'additionalProperties', report);
  } else if (crd.additionalProperties !== ours.additionalProperties) {
    report(path, 'additionalProperties', crd.additionalProperties, ours.additionalProperties);
  }
  const crdAllOf = asArray(crd.allOf) as SchemaNode[];
  const ourAllOf = asArray(ours.allOf) as SchemaNode[];
  if (crdAllOf.length !== ourAllOf.length) report(path, 'allOf', crdAllOf.length, ourAllOf.length);
  else crdAllOf.forEach((member, i) => compareSchema(member, ourAllOf[i]!, `${path}/allOf[${i}]`, report));
}

function compareSubschema(crd: unknown, ours: unknown, childPath: string, fact: string, report: Report): void {
  if (crd && typeof crd === 'object' && ours && typeof ours === 'object') {
    compareSchema(crd as SchemaNode, ours as SchemaNode, childPath, report);
  } else if (crd !== undefined || ours !== undefined) {
    report(childPath, fact, crd === undefined ? 'missing' : 'present', ours === undefined ? 'missing' : 'present');
  }
}

// Rules are compared in order: kube-apiserver reports failures in rule order, and an extra
// rule of ours could reject an object the CRD accepts.
function compareRules(crdRules: unknown[], ourRules: unknown[], path: string, report: Report): void {
  for (let i = 0; i < Math.max(crdRules.length, ourRules.length); i++) {
    const crdRule = crdRules[i] as SchemaNode | undefined;
    const ourRule = ourRules[i] as SchemaNode | undefined;
    const fact = `x-kubernetes-validations[${i}]`;
    if (!crdRule || !ourRule) {
      report(path, fact, crdRule?.rule, ourRule?.rule);
      continue;
    }
    for (const key of Object.keys(crdRule)) {
      if (!RULE_FIELDS.includes(key)) report(path, `${fact}.${key}`, crdRule[key], 'not checked by crd-facts.ts');
    }
    for (const key of RULE_FIELDS) {
      if (!isDeepStrictEqual(crdRule[key], ourRule[key])) report(path, `${fact}.${key}`, crdRule[key], ourRule[key]);
    }
  }
}

function asArray(value: unknown): unknown[] {
  return Array.isArray(value) ? value : [];
}
