// kube-apiserver's max-in-flight limits: at most so many read-only and so many mutating
// requests at once; past that a request is turned away at once with 429 and Retry-After
// (clients back off and retry) instead of queueing until everything is slow.
import * as errors from '../../meta/status.js';
import type { UserInfo } from '../auth.js';
import { PRIVILEGED_GROUPS } from '../authorization/privileged-groups.js';
import type { Filter } from './filters.js';
import { isHealthProbe, isLongRunning, isReadOnly } from './request-class.js';

export interface InFlightLimits {
  /** `--max-requests-inflight`, kube's default 400. */
  readOnly: number;
  /** `--max-mutating-requests-inflight`, kube's default 200. */
  mutating: number;
}

export const DEFAULT_IN_FLIGHT_LIMITS: InFlightLimits = { readOnly: 400, mutating: 200 };

const RETRY_AFTER_SECONDS = 1;

/**
 * Mount after authentication: as in kube, system:masters is not limited, so an
 * administrator can always get in to see what floods the server. Watches and health
 * probes are never counted.
 */
export function maxInFlight(limits: InFlightLimits = DEFAULT_IN_FLIGHT_LIMITS): Filter {
  const inFlight = { readOnly: 0, mutating: 0 };
  return (req, res, next) => {
    const user = (req as { user?: UserInfo }).user;
    if (isLongRunning(req) || isHealthProbe(req) || user?.groups.some((g) => PRIVILEGED_GROUPS.includes(g))) return next();
    const kind = isReadOnly(req) ? 'readOnly' : 'mutating';
    if (inFlight[kind] >= limits[kind]) {
      res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS));
      return next(errors.tooManyRequests('Too many requests, please try again later.', RETRY_AFTER_SECONDS));
    }
    inFlight[kind]++;
    // 'close' comes once per response, whether it finished or the client went away.
    res.once('close', () => inFlight[kind]--);
    next();
  };
}
