// Reading and decoding request bodies: bounded in size, JSON or YAML by Content-Type,
// every failure a 4xx Status.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import type { FieldValidation } from '../admission/types.js';
import * as errors from '../meta/status.js';
import { duplicateJsonFields, duplicateYamlFields } from './duplicate-fields.js';

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
  try {
    // Duplicate keys are reported by duplicate-fields.ts, under the fieldValidation rules.
    return type === 'json' ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100, uniqueKeys: false });
  } catch (err) {
    throw errors.badRequest(`the ${what} could not be decoded as ${type.toUpperCase()}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** The body of a create or update: a JSON or YAML object, and the keys it repeats. */
export async function readObjectBody(req: IncomingMessage): Promise<{ object: unknown; duplicateFields: string[] }> {
  const type = mediaType(req);
  const format = type === 'application/json' || type === '' ? 'json' : type === 'application/yaml' ? 'yaml' : null;
  if (!format) throw errors.unsupportedMediaType(type);
  const raw = await readBody(req);
  const object = decodeDocument(raw, format);
  if (typeof object !== 'object' || object === null || Array.isArray(object)) throw errors.badRequest('the object must be a JSON or YAML mapping');
  const text = raw.toString('utf8');
  return { object, duplicateFields: format === 'json' ? duplicateJsonFields(text) : duplicateYamlFields(text) };
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
