/** Builds and starts a control plane from a validated config; used by main.ts and the tests. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express, { type ErrorRequestHandler } from 'express';
import helmet from 'helmet';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { createLogger, NestPinoLogger } from './common/logger.js';
import type { ControlPlaneConfig } from './config/config.schema.js';

export interface ControlPlane {
  app: NestExpressApplication;
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  logger: Logger;
  close(): Promise<void>;
}

/** Body-parser failures (too large, not JSON) as JSON errors, not HTML pages. */
const bodyErrors: ErrorRequestHandler = (err: { type?: string; status?: number }, _req, res, next) => {
  if (err.type === 'entity.too.large') return void res.status(413).json({ error: { code: 'BODY_TOO_LARGE', message: 'request body is larger than 1 MiB' } });
  if (err.type === 'entity.parse.failed') return void res.status(400).json({ error: { code: 'INVALID_BODY', message: 'request body is not valid JSON', field: '(root)' } });
  if (err.status && err.status >= 400 && err.status < 500) return void res.status(err.status).json({ error: { code: 'BAD_REQUEST', message: 'malformed request' } });
  next(err);
};

export async function createControlPlane(config: ControlPlaneConfig, opts: { logger?: Logger } = {}): Promise<ControlPlane> {
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    bodyParser: false,
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.use(helmet());
  // The Git webhook's HMAC is over the exact bytes received: keep them for that one route.
  const keepRawBody = (req: { url?: string; rawBody?: Buffer }, _res: unknown, buf: Buffer) => {
    if (req.url?.startsWith('/v1/git/webhook')) req.rawBody = buf;
  };
  app.use(express.json({ limit: '1mb', type: ['application/json', 'application/*+json'], verify: keepRawBody }));
  app.use(bodyErrors);
  try {
    await app.listen(config.PORT, config.HOST);
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }
  const { port } = app.getHttpServer().address() as AddressInfo;
  const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  logger.info({ url }, 'control plane listening');
  return { app, url, logger, close: () => app.close() };
}
