import type { Request, RequestHandler, Response } from 'express';
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
    failures.retryAfter(req).then((wait) => {
      if (wait > 0) refuse(res, wait, opts);
      else {
        if (opts.countUnauthorized) countBeforeEnd(req, res, failures);
        next();
      }
    }, next);
  };
}

/** The 429 with Retry-After, in the route's shape. */
function refuse(res: Response, wait: number, opts: GateOptions): void {
  const message = tooManyFailures(wait);
  res.setHeader('retry-after', String(wait));
  res
    .status(429)
    .json(
      opts.shape === 'graphql'
        ? { errors: [{ message, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: wait } }] }
        : { error: { code: 'RATE_LIMITED', message } },
    );
}

/**
 * A 401 of the route is counted before its answer leaves (the count is shared through the
 * database), so the client's next request already sees it.
 */
function countBeforeEnd(req: Request, res: Response, failures: AuthFailureLimiter): void {
  const end = res.end.bind(res) as (...args: unknown[]) => Response;
  res.end = ((...args: unknown[]) => {
    if (res.statusCode !== 401) return end(...args);
    void failures.failed(req).finally(() => end(...args));
    return res;
  }) as Response['end'];
}
