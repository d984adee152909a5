// Authentication as the first guard of the filter chain: the request's user, or 401.
import * as errors from '../../meta/status.js';
import type { Authenticator, UserInfo } from '../auth.js';
import type { Filter } from '../serving/filters.js';

export function authenticationFilter(authenticator: Authenticator): Filter {
  return (req, _res, next) => {
    authenticator.authenticate(req).then((user) => {
      if (!user) return next(errors.unauthorized('Unauthorized'));
      (req as { user?: UserInfo }).user = user;
      next();
    }, next);
  };
}
