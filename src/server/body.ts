// Reading and decoding request bodies: bounded in size, JSON or YAML by Content-Type,
// every failure a 4xx Status.
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import * as errors from '../meta/status.js';

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
    return type === 'json' ? JSON.parse(text) : parseYaml(text, { maxAliasCount: 100 });
  } catch (err) {
    throw errors.badRequest(`the ${what} could not be decoded as ${type.toUpperCase()}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** The body of a create or update: a JSON or YAML object. */
export async function readObjectBody(req: IncomingMessage): Promise<unknown> {
  const type = mediaType(req);
  const format = type === 'application/json' || type === '' ? 'json' : type === 'application/yaml' ? 'yaml' : null;
  if (!format) throw errors.unsupportedMediaType(type);
  const doc = decodeDocument(await readBody(req), format);
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw errors.badRequest('the object must be a JSON or YAML mapping');
  return doc;
}
