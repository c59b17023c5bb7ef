/**
 * CORS with an exact allow-list of origins. An allowed origin gets Access-Control-Allow-Origin
 * (and, on a preflight, the methods and headers the API uses); any other origin gets no CORS
 * header at all, so a browser keeps the response from it. Credentials (cookies) are never
 * allowed: the API authenticates with bearer tokens only.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';

const ALLOW_METHODS = 'GET, POST, OPTIONS';
const ALLOW_HEADERS = 'authorization, content-type, apollo-require-preflight, x-apollo-operation-name';
const MAX_AGE_SECONDS = '600';

export function corsAllowList(origins: readonly string[]): RequestHandler {
  const allowed = new Set(origins);
  return (req: Request, res: Response, next: NextFunction) => {
    res.vary('Origin');
    const origin = req.headers.origin;
    if (!origin || !allowed.has(origin)) return next();
    res.setHeader('access-control-allow-origin', origin);
    if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return next();
    res.setHeader('access-control-allow-methods', ALLOW_METHODS);
    res.setHeader('access-control-allow-headers', ALLOW_HEADERS);
    res.setHeader('access-control-max-age', MAX_AGE_SECONDS);
    res.status(204).end();
  };
}
