// kube-apiserver's `--request-timeout`: a request other than a watch that has not been
// answered in time gets 504 Timeout, so a stuck storage call cannot hold a client forever.
import * as errors from '../../meta/status.js';
import type { Filter } from './filters.js';
import { isHealthProbe, isLongRunning } from './request-class.js';

/** kube's default `--request-timeout` (1m). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000;

export function requestTimeout(timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Filter {
  return (req, res, next) => {
    if (isLongRunning(req) || isHealthProbe(req)) return next();
    const timer = setTimeout(() => {
      // A response already under way (a large list streaming out) is left to finish.
      if (res.headersSent) return;
      const { status } = errors.timeout('request did not complete within requested timeout - context deadline exceeded');
      res.writeHead(status.code, { 'Content-Type': 'application/json' }).end(JSON.stringify(status));
    }, timeoutMs);
    res.once('close', () => clearTimeout(timer));
    next();
  };
}
