import { Body, Controller, HttpCode, Inject, Post, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import type { RegisterResponse } from '@flotilla/protocol';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { MetricsService } from '../health/metrics.service.js';
import { ClientAddresses } from '../../common/client-addresses.js';
import { DataSource } from 'typeorm';
import { SharedRateLimiter } from '../../common/shared-rate-limiter.js';
import { RegistrationExceptionFilter } from './registration.exception.filter.js';
import { RegistrationException, RegistrationExceptionCode } from './registration.exception.js';
import { RegistrationService } from './registration.service.js';

@Controller('v1')
@UseFilters(RegistrationExceptionFilter)
export class RegistrationController {
  private readonly limiter: SharedRateLimiter;

  constructor(
    private readonly registration: RegistrationService,
    private readonly metrics: MetricsService,
    private readonly addresses: ClientAddresses,
    @Inject(CONFIG) config: ControlPlaneConfig,
    db: DataSource,
  ) {
    // Counted in PostgreSQL: one limit per address across all replicas.
    this.limiter = new SharedRateLimiter(db, {
      scope: 'register',
      limit: config.REGISTER_RATE_LIMIT_PER_MINUTE,
      windowMs: 60_000,
    });
  }

  @Post('register')
  @HttpCode(201)
  async register(@Req() req: Request, @Body() body: unknown): Promise<RegisterResponse> {
    const wait = await this.limiter.take(this.addresses.of(req));
    if (wait > 0) {
      const e = new RegistrationException(
        `too many registration attempts from this address; retry in ${wait} s`,
        RegistrationExceptionCode.RateLimited,
      );
      e.retryAfterSeconds = wait;
      throw e;
    }
    const response = await this.registration.register(body);
    this.metrics.registrations.inc({ status: 201 });
    return response;
  }
}
