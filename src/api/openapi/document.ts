// The bytes and content hash of a published document. The hash is kube-apiserver's:
// uppercase hex SHA-512 of the JSON served, used as ETag and in `/openapi/v3` links.
import { createHash } from 'node:crypto';
import type { Schema } from './dialect.js';

export interface SerializedDocument {
  body: string;
  hash: string;
}

export function serializeDocument(doc: Schema): SerializedDocument {
  const body = JSON.stringify(doc);
  return { body, hash: createHash('sha512').update(body).digest('hex').toUpperCase() };
}

/** The `info` every published document carries. */
export const documentInfo = { title: 'Cosmos networking API', version: 'v0.1.0' };
