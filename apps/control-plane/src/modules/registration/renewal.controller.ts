import { Body, Controller, HttpCode, Inject, Post, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import type { RenewResponse } from '@flotilla/protocol';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { RateLimiter } from '../../common/rate-limiter.js';
import { RegistrationExceptionFilter } from './registration.exception.filter.js';
import { RegistrationException, RegistrationExceptionCode } from './registration.exception.js';
import { RenewalService } from './renewal.service.js';

/** POST /v1/agent/renew. Refused renewals count against the caller's address; too many → 429. */
@Controller('v1/agent')
@UseFilters(RegistrationExceptionFilter)
export class RenewalController {
  private readonly failures: RateLimiter;

  constructor(
    private readonly renewal: RenewalService,
    @Inject(CONFIG) config: ControlPlaneConfig,
  ) {
    this.failures = new RateLimiter(config.REGISTER_RATE_LIMIT_PER_MINUTE, 60_000);
  }

  @Post('renew')
  @HttpCode(200)
  async renew(@Req() req: Request, @Body() body: unknown): Promise<RenewResponse> {
    const source = req.socket.remoteAddress ?? 'unknown';
    const wait = this.failures.blocked(source);
    if (wait > 0) {
      const e = new RegistrationException(`too many refused renewals from this address; retry in ${wait} s`, RegistrationExceptionCode.RateLimited);
      e.retryAfterSeconds = wait;
      throw e;
    }
    try {
      return await this.renewal.renew(body, source);
    } catch (error) {
      if (error instanceof RegistrationException && error.code === RegistrationExceptionCode.RenewalRefused) this.failures.take(source);
      throw error;
    }
  }
}
