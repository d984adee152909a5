// JSON values as CEL sees them in Kubernetes (k8s.io/apiserver/pkg/cel/common
// UnstructuredToVal): typed by the schema, so `integer` fields are CEL ints (bigint here,
// never doubles), `number` fields doubles, date-time strings timestamps, and object
// properties reachable under their escaped CEL names (`namespace` -> `__namespace__`).
import type { CelInput } from '@bufbuild/cel';
import { timestampFromMs } from '@bufbuild/protobuf/wkt';
import { isJsonObject, mapValueSchema, type Schema } from '../schema.js';

export function toCelValue(value: unknown, schema: Schema | undefined): CelInput {
  if (value === null || value === undefined) return null;
  if (typeof value === 'number') return schema?.type === 'number' || !Number.isInteger(value) ? value : BigInt(value);
  if (typeof value === 'string') return stringValue(value, schema);
  if (typeof value === 'boolean') return value;
  if (Array.isArray(value)) return value.map((item) => toCelValue(item, schema?.items));
  if (!isJsonObject(value)) return null;
  const valueSchema = schema && mapValueSchema(schema);
  const out: Record<string, CelInput> = {};
  for (const [key, child] of Object.entries(value)) {
    const propertySchema = schema?.properties?.[key];
    if (!propertySchema) {
      out[key] = toCelValue(child, valueSchema);
      continue;
    }
    const name = escapeFieldName(key);
    if (name !== undefined) out[name] = toCelValue(child, propertySchema);
  }
  return out;
}

/**
 * The root of a resource as rules see it: apiVersion, kind and the parts of metadata
 * Kubernetes exposes to CEL (name and generateName) besides the kind's own fields.
 */
export function toCelRootValue(object: Record<string, unknown>, schema: Schema): CelInput {
  const { metadata, ...rest } = object;
  const root = toCelValue(rest, schema) as Record<string, CelInput>;
  if (isJsonObject(metadata)) {
    const exposed = Object.entries(metadata).filter(([key]) => key === 'name' || key === 'generateName');
    root.metadata = Object.fromEntries(exposed) as Record<string, CelInput>;
  }
  return root;
}

function stringValue(value: string, schema: Schema | undefined): CelInput {
  if (schema?.format !== 'date-time' && schema?.format !== 'date') return value;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? value : timestampFromMs(ms);
}

const RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function', 'if', 'import', 'let',
  'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

const ESCAPES: Record<string, string> = { __: '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' };

/** Kubernetes' property-name escaping; undefined for names CEL cannot reach at all. */
export function escapeFieldName(name: string): string | undefined {
  if (name === '' || /^[0-9]/.test(name)) return undefined;
  if (RESERVED.has(name)) return `__${name}__`;
  if (/[^a-zA-Z0-9_.\-/]/.test(name)) return undefined;
  return name.replace(/__|[.\-/]/g, (s) => ESCAPES[s]!);
}
