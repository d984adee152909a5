// List continuation tokens, in the form kube-apiserver uses: base64 of a small JSON
// document carrying the revision the first page was read at and the key to resume from
// (relative to the resource prefix, so a token cannot reach other resources' keys).
import * as errors from '../meta/status.js';

export interface ContinueToken {
  revision: number;
  start: string;
}

export function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: token.revision, start: token.start })).toString('base64url');
}

export function decodeContinue(raw: string): ContinueToken {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  const t = parsed as { v?: unknown; rv?: unknown; start?: unknown };
  if (t.v !== 'meta.k8s.io/v1' || typeof t.rv !== 'number' || !Number.isInteger(t.rv) || t.rv <= 0 || typeof t.start !== 'string') {
    throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  }
  if (t.start.startsWith('/') || t.start.includes('..')) throw errors.badRequest('continue key is not valid: invalid start key');
  return { revision: t.rv, start: t.start };
}
