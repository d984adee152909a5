// Objects as the server holds them (JSON-shaped: RFC 3339 strings, numbers, maps,
// absent fields left out) to and from their protobuf envelopes. The walk is driven by
// the message definitions, so it knows nothing of any kind.
import protobuf from 'protobufjs';
import type { FieldBase, Type } from 'protobufjs';
import * as errors from '../meta/status.js';
import { hasEnvelopeMagic, unwrapEnvelope, wrapInEnvelope } from './envelope.js';
import { META_PACKAGE, RUNTIME_PACKAGE } from './proto-names.js';
import { formatRfc3339, parseRfc3339 } from './rfc3339.js';
import { wireTypeFor, type TypeMeta } from './wire-types.js';

type Json = Record<string, unknown>;

const META = `.${META_PACKAGE}`;

// Go writes every non-pointer field of the meta types, empty or not, and its JSON omits
// them when empty; so an empty value read from the wire means "absent", except for these
// fields: pointers in Go (0 and false are values) and fields Go's JSON always writes.
const ZERO_IS_A_VALUE = new Set([
  `${META}.ObjectMeta.deletionGracePeriodSeconds`,
  `${META}.ListMeta.remainingItemCount`,
  `${META}.OwnerReference.controller`,
  `${META}.OwnerReference.blockOwnerDeletion`,
  ...['name', 'type', 'format', 'description', 'priority'].map((f) => `${META}.TableColumnDefinition.${f}`),
]);

/** Repeated fields Go's JSON writes even when empty. */
const ALWAYS_WRITTEN = new Set([`${META}.Table.rows`, `${META}.TableRow.cells`]);

/**
 * RawExtensions holding an object in the enclosing media type (so, here, an envelope).
 * Every other RawExtension holds JSON: Table cells.
 */
const EMBEDDED_OBJECTS = new Set([`${META}.TableRow.object`]);

interface FieldPlan {
  /** `.package.Message.field`, for errors. */
  id: string;
  name: string;
  repeated: boolean;
  map: boolean;
  /** An empty value read from the wire is dropped. */
  zeroIsAbsent: boolean;
  alwaysWritten: boolean;
  toWire(value: unknown): unknown;
  /** undefined: the value means "absent". */
  fromWire(value: unknown): unknown;
}

const plans = new WeakMap<Type, FieldPlan[]>();

/** The envelope of `obj`; throws 406 NotAcceptable for a type that has no protobuf form, as kube-apiserver does. */
export function encodeEnvelope(obj: object, typeMeta: TypeMeta = typeMetaOf(obj)): Buffer {
  const wire = wireTypeFor(typeMeta);
  if (!wire) throw errors.notAcceptable(`object ${typeMeta.apiVersion}, Kind=${typeMeta.kind} cannot be encoded as protobuf`);
  return wrapInEnvelope(typeMeta, wire.message.encode(toMessage(wire.message, obj as Json)).finish());
}

/** The JSON-shaped object in an envelope, apiVersion and kind first; throws 400 for anything else. */
export function decodeEnvelope(bytes: Uint8Array): Json {
  const { typeMeta, raw } = unwrapEnvelope(bytes);
  const wire = wireTypeFor(typeMeta);
  if (!wire) throw errors.badRequest(`no kind "${typeMeta.kind}" is registered for version "${typeMeta.apiVersion}"`);
  let message: protobuf.Message;
  try {
    message = wire.message.decode(raw);
  } catch (err) {
    throw errors.badRequest(`the ${typeMeta.kind} could not be decoded from protobuf: ${(err as Error).message}`);
  }
  const body = fromMessage(wire.message, message);
  if (wire.itemTypeMeta) body.items = ((body.items as Json[] | undefined) ?? []).map((item) => ({ ...wire.itemTypeMeta, ...item }));
  return { apiVersion: typeMeta.apiVersion, kind: typeMeta.kind, ...body };
}

function typeMetaOf(obj: object): TypeMeta {
  const { apiVersion, kind } = obj as Partial<TypeMeta>;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') throw new Error('an object to encode needs apiVersion and kind');
  return { apiVersion, kind };
}

function toMessage(type: Type, json: Json): Json {
  const out: Json = {};
  for (const f of planOf(type)) {
    const value = json[f.name];
    if (value === undefined || value === null) continue;
    if (f.map) out[f.name] = mapValues(expectObject(value, f.id), f.toWire);
    else if (f.repeated) out[f.name] = expectArray(value, f.id).map(f.toWire);
    else out[f.name] = f.toWire(value);
  }
  return out;
}

function fromMessage(type: Type, message: protobuf.Message): Json {
  const out: Json = {};
  const fields = message as unknown as Json;
  for (const f of planOf(type)) {
    const value = fields[f.name];
    if (f.map) {
      if (Object.keys(value as object).length) out[f.name] = mapValues(value as Json, f.fromWire);
    } else if (f.repeated) {
      if ((value as unknown[]).length || f.alwaysWritten) out[f.name] = (value as unknown[]).map(f.fromWire);
    } else if (Object.hasOwn(message, f.name)) {
      const json = f.fromWire(value);
      if (json !== undefined && !(f.zeroIsAbsent && (json === '' || json === 0 || json === false))) out[f.name] = json;
    }
  }
  return out;
}

function planOf(type: Type): FieldPlan[] {
  let plan = plans.get(type);
  if (!plan) plans.set(type, (plan = type.fieldsArray.map((field) => planField(type, field))));
  return plan;
}

function planField(type: Type, field: FieldBase): FieldPlan {
  const id = `${type.fullName}.${field.name}`;
  if (field instanceof protobuf.MapField && field.keyType !== 'string') throw new Error(`${id}: only string map keys are supported`);
  const { toWire, fromWire } = field.resolvedType ? messageConverters(id, field.resolvedType) : scalarConverters(id, field.type);
  return {
    id,
    name: field.name,
    repeated: field.repeated,
    map: field.map,
    zeroIsAbsent: type.fullName.startsWith(META) && !ZERO_IS_A_VALUE.has(id),
    alwaysWritten: ALWAYS_WRITTEN.has(id),
    toWire,
    fromWire,
  };
}

type Converters = Pick<FieldPlan, 'toWire' | 'fromWire'>;

function messageConverters(id: string, resolved: protobuf.ReflectionObject): Converters {
  if (!(resolved instanceof protobuf.Type)) throw new Error(`${id}: enums are not supported`);
  switch (resolved.fullName) {
    case `${META}.Time`:
      return {
        toWire: (v) => {
          const time = typeof v === 'string' ? parseRfc3339(v) : null;
          if (!time) throw new Error(`${id}: ${JSON.stringify(v)} is not an RFC 3339 time`);
          return time;
        },
        // Go writes an unset time as an empty message.
        fromWire: (m) => {
          if (!Object.hasOwn(m as object, 'seconds') && !Object.hasOwn(m as object, 'nanos')) return undefined;
          const { seconds, nanos } = m as { seconds: unknown; nanos: number };
          const time = { seconds: safeInteger(seconds, id), nanos };
          try {
            return formatRfc3339(time);
          } catch (err) {
            throw errors.badRequest(`${id}: ${(err as Error).message}`);
          }
        },
      };
    case `${META}.FieldsV1`:
      return {
        toWire: (v) => ({ Raw: Buffer.from(JSON.stringify(expectObject(v, id))) }),
        fromWire: (m) => {
          const raw = (m as { Raw?: Uint8Array }).Raw;
          return raw?.length ? parseJson(raw, id) : undefined;
        },
      };
    case `.${RUNTIME_PACKAGE}.RawExtension`:
      return EMBEDDED_OBJECTS.has(id)
        ? {
            toWire: (v) => ({ raw: encodeEnvelope(expectObject(v, id)) }),
            fromWire: (m) => {
              const raw = (m as { raw?: Uint8Array }).raw;
              if (!raw?.length) return undefined;
              return hasEnvelopeMagic(raw) ? decodeEnvelope(raw) : parseJson(raw, id);
            },
          }
        : {
            toWire: (v) => ({ raw: Buffer.from(JSON.stringify(v)) }),
            fromWire: (m) => {
              const raw = (m as { raw?: Uint8Array }).raw;
              return raw?.length ? parseJson(raw, id) : null;
            },
          };
    default:
      return {
        toWire: (v) => toMessage(resolved, expectObject(v, id)),
        fromWire: (m) => fromMessage(resolved, m as protobuf.Message),
      };
  }
}

function scalarConverters(id: string, type: string): Converters {
  const same = (v: unknown) => v;
  const expecting = (jsType: string, valid: (v: unknown) => boolean) => (v: unknown) => {
    if (!valid(v)) throw new Error(`${id}: expected ${jsType}, got ${JSON.stringify(v)}`);
    return v;
  };
  switch (type) {
    case 'string':
      return { toWire: expecting('a string', (v) => typeof v === 'string'), fromWire: same };
    case 'bool':
      return { toWire: expecting('a boolean', (v) => typeof v === 'boolean'), fromWire: same };
    case 'int32':
      return { toWire: expecting('a 32-bit integer', (v) => Number.isInteger(v) && (v as number) >= -(2 ** 31) && (v as number) < 2 ** 31), fromWire: same };
    case 'int64':
      return { toWire: expecting('a safe integer', Number.isSafeInteger), fromWire: (v) => safeInteger(v, id) };
    case 'double':
      return { toWire: expecting('a number', (v) => typeof v === 'number'), fromWire: same };
    default:
      throw new Error(`${id}: protobuf type ${type} is not supported`);
  }
}

/** int64 arrives as a Long; JSON numbers beyond 2^53 would silently lose digits, so they are refused. */
function safeInteger(value: unknown, id: string): number {
  const n = protobuf.util.LongBits.from(value as protobuf.Long).toNumber();
  if (!Number.isSafeInteger(n)) throw errors.badRequest(`${id}: ${String(value)} is out of the range this server can represent (±2^53)`);
  return n;
}

function parseJson(raw: Uint8Array, id: string): unknown {
  try {
    return JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8'));
  } catch (err) {
    throw errors.badRequest(`${id}: the embedded JSON could not be parsed: ${(err as Error).message}`);
  }
}

function mapValues(obj: Json, fn: (v: unknown) => unknown): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(obj)) out[k] = fn(v);
  return out;
}

function expectObject(value: unknown, id: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`${id}: expected an object, got ${JSON.stringify(value)}`);
  return value as Json;
}

function expectArray(value: unknown, id: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`${id}: expected an array, got ${JSON.stringify(value)}`);
  return value;
}
