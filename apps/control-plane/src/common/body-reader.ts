/**
 * Reads every request body, on every route, with one byte limit. A declared Content-Length
 * over the limit is refused before a byte is read; a body that grows past it (chunked, or
 * lying about its length) is refused as soon as it does; either way with 413 and
 * `Connection: close`, so the rest is never buffered. JSON bodies (application/json,
 * application/*+json) are parsed into `req.body`, with the exact bytes kept as `req.rawBody`
 * (the Git webhook's HMAC is over them); any other body is read, counted and dropped.
 * Compressed bodies are refused (415): their size on the wire says nothing of their size.
 * A JSON body nested deeper than `maxJsonDepth` is refused (400) as soon as the bytes read so
 * far go that deep, before it is buffered in full or parsed.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { JsonDepthScanner } from './json-depth.js';

type BodyRequest = Request & { rawBody?: Buffer };

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

export function httpError(res: Response, status: number, code: string, message: string): void {
  if (res.headersSent) return;
  res.status(status).json({ error: { code, message } });
}

function refuseTooLarge(req: Request, res: Response, limit: number): void {
  req.pause();
  res.setHeader('connection', 'close');
  httpError(res, 413, 'BODY_TOO_LARGE', `request body is larger than ${limit} bytes`);
}

function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

function refuseTooDeep(req: Request, res: Response, maxDepth: number): void {
  req.pause();
  res.setHeader('connection', 'close');
  res.status(400).json({
    error: {
      code: 'BODY_TOO_DEEP',
      message: `request body is nested deeper than ${maxDepth} levels`,
      field: '(root)',
    },
  });
}

export function bodyReader(limit: number, maxJsonDepth: number): RequestHandler {
  return (req: BodyRequest, res: Response, next: NextFunction) => {
    if (!hasBody(req)) return next();
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) return refuseTooLarge(req, res, limit);
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity')
      return httpError(
        res,
        415,
        'UNSUPPORTED_ENCODING',
        `content-encoding ${encoding} is not accepted; send the body uncompressed`,
      );
    const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim();
    const isJson = JSON_TYPE.test(type);
    const chunks: Buffer[] = [];
    const depth = isJson ? new JsonDepthScanner(maxJsonDepth) : undefined;
    let size = 0;
    let done = false;
    const finish = (fn: () => void) => {
      if (done) return;
      done = true;
      req.off('data', onData);
      fn();
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) return finish(() => refuseTooLarge(req, res, limit));
      if (depth && !depth.feed(chunk)) return finish(() => refuseTooDeep(req, res, maxJsonDepth));
      if (isJson) chunks.push(chunk);
    };
    req.on('data', onData);
    req.once('error', () => finish(() => httpError(res, 400, 'BAD_REQUEST', 'the request body could not be read')));
    req.once('end', () =>
      finish(() => {
        if (!isJson) return next();
        req.rawBody = Buffer.concat(chunks, size);
        try {
          req.body = JSON.parse(req.rawBody.toString('utf8')) as unknown;
        } catch {
          res
            .status(400)
            .json({ error: { code: 'INVALID_BODY', message: 'request body is not valid JSON', field: '(root)' } });
          return;
        }
        next();
      }),
    );
  };
}
