// The filters every request passes before its handler, in kube-apiserver's order
// (authentication, in-flight limit, timeout, ...). They are written against node's request
// and response, so one chain serves both ways in: mounted in express for discovery,
// OpenAPI and the other fixed routes, and run alone on the resource path, which has no
// use for express's router and is the hot path of every client.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Calls `next()` to pass the request on, or `next(err)` to answer it with that error. */
export type Filter = (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => void;

/** Runs `filters` in order, then `handler`; the first error from any of them goes to `fail`. */
export function runFilters(
  filters: readonly Filter[],
  req: IncomingMessage,
  res: ServerResponse,
  handler: () => Promise<void>,
  fail: (err: unknown) => void,
): void {
  let position = 0;
  const next = (err?: unknown): void => {
    if (err !== undefined) return fail(err);
    const filter = filters[position++];
    if (!filter) {
      handler().catch(fail);
      return;
    }
    try {
      filter(req, res, next);
    } catch (thrown) {
      fail(thrown);
    }
  };
  next();
}
