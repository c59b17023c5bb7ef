import type { RequestHandler } from 'express';
import { tooManyFailures, type AuthFailureLimiter } from './auth-failure-limiter.js';

/**
 * Express middleware in front of /graphql: an address over its authentication-failure limit
 * gets 429 with Retry-After (and a GraphQL-shaped error body) before its token is looked at.
 */
export function authFailureGate(failures: AuthFailureLimiter): RequestHandler {
  return (req, res, next) => {
    const wait = failures.retryAfter(req.socket.remoteAddress);
    if (wait === 0) return next();
    res.setHeader('retry-after', String(wait));
    res.status(429).json({ errors: [{ message: tooManyFailures(wait), extensions: { code: 'RATE_LIMITED', retryAfterSeconds: wait } }] });
  };
}
