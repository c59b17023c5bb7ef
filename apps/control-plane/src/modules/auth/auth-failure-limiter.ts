import { Inject, Injectable } from '@nestjs/common';
import { RateLimiter } from '../../common/rate-limiter.js';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';

/**
 * Failed authentications per source address: API tokens (GraphQL over HTTP and graphql-ws)
 * the Git webhook's secret and agent credential renewals (their 401s, counted by the gate in
 * front of each route).
 * Once an address has used up AUTH_FAILURE_LIMIT_PER_MINUTE it is refused before any token
 * check until its minute is over; successes are not counted and other addresses go on.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly limiter: RateLimiter;

  constructor(@Inject(CONFIG) config: ControlPlaneConfig) {
    this.limiter = new RateLimiter(config.AUTH_FAILURE_LIMIT_PER_MINUTE, 60_000);
  }

  /** Seconds the address must wait before it may authenticate again; 0 if it may now. */
  retryAfter(address: string | undefined): number {
    return this.limiter.blocked(address ?? 'unknown');
  }

  failed(address: string | undefined): void {
    this.limiter.take(address ?? 'unknown');
  }
}

export const tooManyFailures = (seconds: number) =>
  `too many failed authentications from this address; retry in ${seconds} s`;
