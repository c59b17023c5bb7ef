import { Body, Controller, HttpCode, Post, Req, UseFilters } from '@nestjs/common';
import type { Request } from 'express';
import type { RenewResponse } from '@flotilla/protocol';
import { ClientAddresses } from '../../common/client-addresses.js';
import { RegistrationExceptionFilter } from './registration.exception.filter.js';
import { RenewalService } from './renewal.service.js';

/**
 * POST /v1/agent/renew. Its 401s are authentication failures: the gate in front of the route
 * (bootstrap.ts) counts them per address and answers 429 past AUTH_FAILURE_LIMIT_PER_MINUTE.
 */
@Controller('v1/agent')
@UseFilters(RegistrationExceptionFilter)
export class RenewalController {
  constructor(
    private readonly renewal: RenewalService,
    private readonly addresses: ClientAddresses,
  ) {}

  @Post('renew')
  @HttpCode(200)
  renew(@Req() req: Request, @Body() body: unknown): Promise<RenewResponse> {
    return this.renewal.renew(body, this.addresses.of(req));
  }
}
