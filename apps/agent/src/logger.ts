/** Structured JSON logs (pino). Secrets are redacted wherever they appear in a log object. */
import { pino, type Logger } from 'pino';

export type { Logger };

export const REDACT_PATHS = [
  'token',
  'seed',
  'jwt',
  '*.token',
  '*.seed',
  '*.jwt',
  'credential',
  '*.credential',
  'nats.jwt',
  'nats.seed',
];

export function createLogger(opts: { level?: string; destination?: pino.DestinationStream } = {}): Logger {
  const options = {
    name: 'flotilla-agent',
    level: opts.level ?? 'info',
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
