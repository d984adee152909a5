// Reading and decoding request bodies: bounded in size and nesting, JSON, YAML or (for
// objects) protobuf by Content-Type, every failure a 4xx Status.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { FieldValidation } from '../admission/types.js';
import * as errors from '../meta/status.js';
import { decodeEnvelope, hasEnvelopeMagic, PROTOBUF_MEDIA_TYPE } from '../protobuf/index.js';
import { duplicateJsonFields, duplicateYamlFields } from './duplicate-fields.js';
import { checkNesting, MAX_NESTING_DEPTH } from './serving/nesting.js';

/** kube-apiserver's limit for a request body. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

export function mediaType(req: IncomingMessage): string {
  return (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw errors.requestEntityTooLarge(`limit is ${limit}`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw errors.requestEntityTooLarge(`limit is ${limit}`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** Decodes a JSON or YAML document; `what` names it in errors ("object", "patch"). */
export function decodeDocument(raw: Buffer, type: 'json' | 'yaml', what = 'object'): unknown {
  let text: string;
  try {
    text = decoder.decode(raw);
  } catch {
    throw errors.badRequest(`the ${what} is not valid UTF-8`);
  }
  if (!text.trim()) throw errors.badRequest(`the ${what} is empty`);
  // Parsers recurse (or, for YAML, work for seconds) on deep input: refuse it unparsed.
  if (bracketDepth(text) > MAX_NESTING_DEPTH) throw errors.badRequest(`the ${what} is nested too deeply: more than ${MAX_NESTING_DEPTH} levels`);
  let document: unknown;
  try {
    // Duplicate keys are reported by duplicate-fields.ts, under the fieldValidation rules.
    document = type === 'json' ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100, uniqueKeys: false });
  } catch (err) {
    throw errors.badRequest(`the ${what} could not be decoded as ${type.toUpperCase()}: ${(err as Error).message.split('\n')[0]}`);
  }
  checkNesting(document, MAX_NESTING_DEPTH, what);
  return document;
}

/** The media types an object body (create, update) may come in. */
const OBJECT_MEDIA_TYPES = ['application/json', 'application/yaml', PROTOBUF_MEDIA_TYPE];

/** The body of a create or update: a JSON, YAML or protobuf object, and the keys it repeats. */
export async function readObjectBody(req: IncomingMessage): Promise<{ object: unknown; duplicateFields: string[] }> {
  const type = mediaType(req) || 'application/json';
  if (!OBJECT_MEDIA_TYPES.includes(type)) throw errors.unsupportedMediaType(type, OBJECT_MEDIA_TYPES);
  const raw = await readBody(req);
  if (type === PROTOBUF_MEDIA_TYPE) {
    // Nothing to report as duplicate: by protobuf's rules, a field sent twice is its last value.
    const object = decodeEnvelope(raw);
    checkNesting(object);
    return { object, duplicateFields: [] };
  }
  const format = type === 'application/yaml' ? 'yaml' : 'json';
  const object = decodeDocument(raw, format);
  if (typeof object !== 'object' || object === null || Array.isArray(object)) throw errors.badRequest('the object must be a JSON or YAML mapping');
  const text = raw.toString('utf8');
  return { object, duplicateFields: format === 'json' ? duplicateJsonFields(text) : duplicateYamlFields(text) };
}

/**
 * A DeleteOptions body, if any: JSON or YAML. Its protobuf form is not one we read, and
 * saying so (415) beats misreading the envelope as text.
 */
export async function readDeleteOptions(req: IncomingMessage): Promise<unknown> {
  const raw = await readBody(req);
  if (raw.length === 0) return {};
  const type = mediaType(req);
  if (type === PROTOBUF_MEDIA_TYPE || hasEnvelopeMagic(raw)) throw errors.unsupportedMediaType(type || PROTOBUF_MEDIA_TYPE, ['application/json', 'application/yaml']);
  return decodeDocument(raw, type === 'application/yaml' ? 'yaml' : 'json', 'DeleteOptions');
}

/**
 * kube-apiserver's treatment of repeated keys: Strict rejects the request, Warn answers
 * with a warning per field, Ignore says nothing.
 */
export function duplicateFieldWarnings(duplicateFields: string[], fieldValidation: FieldValidation): string[] {
  if (!duplicateFields.length || fieldValidation === 'Ignore') return [];
  const messages = duplicateFields.map((f) => `duplicate field "${f}"`);
  if (fieldValidation === 'Strict') throw errors.badRequest(`strict decoding error: ${messages.join(', ')}`);
  return messages;
}

/** The deepest nesting of [ and { outside quoted strings: a bound checked before parsing. */
function bracketDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{') max = Math.max(max, ++depth);
    else if (c === ']' || c === '}') depth--;
  }
  return max;
}
