import type { RequestHandler } from 'express';
import { tooManyFailures, type AuthFailureLimiter } from './auth-failure-limiter.js';

export interface GateOptions {
  /** The 429 body: GraphQL-shaped `{ errors }` for /graphql, `{ error: { code, message } }` elsewhere. */
  shape: 'graphql' | 'json';
  /** Count a 401 answer of the route as a failure (routes that authenticate outside AuthGuard, e.g. the Git webhook). */
  countUnauthorized?: boolean;
}

/**
 * Express middleware in front of an authenticated route: an address over its
 * authentication-failure limit gets 429 with Retry-After before its credentials are looked at.
 */
export function authFailureGate(failures: AuthFailureLimiter, opts: GateOptions): RequestHandler {
  return (req, res, next) => {
    const wait = failures.retryAfter(req);
    if (wait > 0) {
      const message = tooManyFailures(wait);
      res.setHeader('retry-after', String(wait));
      res
        .status(429)
        .json(
          opts.shape === 'graphql'
            ? { errors: [{ message, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: wait } }] }
            : { error: { code: 'RATE_LIMITED', message } },
        );
      return;
    }
    if (opts.countUnauthorized) res.once('finish', () => res.statusCode === 401 && failures.failed(req));
    next();
  };
}
