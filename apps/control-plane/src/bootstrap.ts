/** Builds and starts a control plane from a validated config; used by main.ts and the tests. */
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { AppModule } from './app.module.js';
import { bodyReader } from './common/body-reader.js';
import { corsAllowList } from './common/cors.js';
import { createLogger, NestPinoLogger } from './common/logger.js';
import { limitWsMessageSize } from './graphql/ws-message-limit.js';
import type { ControlPlaneConfig } from './config/config.schema.js';
import { authFailureGate } from './modules/auth/auth-failure-gate.js';
import { AuthFailureLimiter } from './modules/auth/auth-failure-limiter.js';

export interface ControlPlane {
  app: NestExpressApplication;
  /** Base URL, e.g. http://127.0.0.1:3000 */
  url: string;
  logger: Logger;
  close(): Promise<void>;
}

export async function createControlPlane(
  config: ControlPlaneConfig,
  opts: { logger?: Logger } = {},
): Promise<ControlPlane> {
  const logger = opts.logger ?? createLogger(config.LOG_LEVEL);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forRoot(config, logger), {
    bodyParser: false,
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  app.disable('x-powered-by');
  app.use(helmet());
  app.use(corsAllowList(config.CORS_ORIGINS));
  app.use(bodyReader(config.HTTP_MAX_BODY_BYTES, config.HTTP_MAX_JSON_DEPTH));
  const failures = app.get(AuthFailureLimiter);
  app.use('/graphql', authFailureGate(failures, { shape: 'graphql' }));
  app.use('/v1/git/webhook', authFailureGate(failures, { shape: 'json', countUnauthorized: true }));
  app.use('/v1/agent/renew', authFailureGate(failures, { shape: 'json', countUnauthorized: true }));
  try {
    await app.init();
    limitWsMessageSize(app, config.HTTP_MAX_BODY_BYTES, config.HTTP_MAX_JSON_DEPTH);
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
