// Which requests the serving limits leave alone: watches run for minutes by design (kube
// calls them long-running) and health probes must answer however busy the server is.
import type { IncomingMessage } from 'node:http';

const HEALTH_PATHS = ['/healthz', '/livez', '/readyz'];

const parsedUrls = new WeakMap<IncomingMessage, URL>();

/**
 * The URL the client sent, parsed once per request however many filters ask. Throws
 * on a target no URL parser accepts.
 */
export function requestUrl(req: IncomingMessage): URL {
  let url = parsedUrls.get(req);
  if (!url) {
    // Express rewrites req.url inside mounted routers; originalUrl is what the client sent.
    url = new URL((req as { originalUrl?: string }).originalUrl ?? req.url ?? '/', 'https://localhost');
    parsedUrls.set(req, url);
  }
  return url;
}

export function isHealthProbe(req: IncomingMessage): boolean {
  const { pathname } = requestUrl(req);
  return HEALTH_PATHS.some((path) => pathname === path || pathname.startsWith(`${path}/`));
}

/** A watch: `?watch=true|1`, or the deprecated `/apis/<group>/<version>/watch/...` path. */
export function isLongRunning(req: IncomingMessage): boolean {
  if (req.method !== 'GET') return false;
  const url = requestUrl(req);
  const watch = url.searchParams.get('watch');
  return watch === 'true' || watch === '1' || url.pathname.split('/')[4] === 'watch';
}

/** kube counts everything but reads against the mutating limit. */
export function isReadOnly(req: IncomingMessage): boolean {
  return req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';
}
