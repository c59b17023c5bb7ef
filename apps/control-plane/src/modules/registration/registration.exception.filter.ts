import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { MetricsService } from '../health/metrics.service.js';
import { RegistrationException, RegistrationExceptionCode } from './registration.exception.js';

const statuses: Record<RegistrationExceptionCode, number> = {
  [RegistrationExceptionCode.InvalidBody]: 400,
  [RegistrationExceptionCode.InvalidToken]: 401,
  [RegistrationExceptionCode.NameNotAllowed]: 403,
  [RegistrationExceptionCode.RenewalRefused]: 401,
  [RegistrationExceptionCode.NameTaken]: 409,
  [RegistrationExceptionCode.KeyTaken]: 409,
  [RegistrationExceptionCode.RateLimited]: 429,
};

/** Maps registration failures to HTTP statuses with a JSON body `{ error: { code, message, field? } }`. */
@Catch(RegistrationException)
export class RegistrationExceptionFilter implements ExceptionFilter {
  constructor(private readonly metrics: MetricsService) {}

  catch(exception: RegistrationException, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const status = statuses[exception.code];
    this.metrics.registrations.inc({ status });
    if (exception.retryAfterSeconds) res.setHeader('Retry-After', String(exception.retryAfterSeconds));
    const field = exception.field ? { field: exception.field } : {};
    res.status(status).json({ error: { code: exception.code, message: exception.message, ...field } });
  }
}
