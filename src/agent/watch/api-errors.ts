// Errors from client-node calls, in a line a person can read: the HTTP code and the
// Status message the API server sent, not client-node's dump of headers.

export function statusCodeOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown } | undefined;
  if (typeof e?.code === 'number') return e.code;
  if (typeof e?.statusCode === 'number') return e.statusCode;
  return undefined;
}

export function describeApiError(err: unknown): string {
  const code = statusCodeOf(err);
  const message = statusMessage((err as { body?: unknown } | undefined)?.body) ?? (err instanceof Error ? err.message.split('\n')[0]! : String(err));
  return code === undefined ? message : `HTTP ${code}: ${message}`;
}

function statusMessage(body: unknown): string | undefined {
  let parsed = body;
  if (typeof body === 'string') {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body || undefined;
    }
  }
  const message = (parsed as { message?: unknown } | undefined)?.message;
  return typeof message === 'string' && message ? message : undefined;
}
