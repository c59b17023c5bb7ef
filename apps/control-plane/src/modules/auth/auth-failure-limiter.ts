import { Inject, Injectable } from '@nestjs/common';
import type { AddressedRequest } from '../../common/client-address.js';
import { ClientAddresses } from '../../common/client-addresses.js';
import { DataSource } from 'typeorm';
import { SharedRateLimiter } from '../../common/shared-rate-limiter.js';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';

/**
 * Failed authentications per client address (the socket peer, or under TRUSTED_PROXIES the
 * forwarded client; see common/client-address.ts): API tokens (GraphQL over HTTP and graphql-ws)
 * the Git webhook's secret and agent credential renewals (their 401s, counted by the gate in
 * front of each route).
 * Once an address has used up AUTH_FAILURE_LIMIT_PER_MINUTE it is refused before any token
 * check until its minute is over; successes are not counted and other addresses go on.
 * Counted in PostgreSQL, so every replica behind a load balancer sees one budget per address.
 */
@Injectable()
export class AuthFailureLimiter {
  private readonly limiter: SharedRateLimiter;

  constructor(
    @Inject(CONFIG) config: ControlPlaneConfig,
    private readonly addresses: ClientAddresses,
    db: DataSource,
  ) {
    this.limiter = new SharedRateLimiter(db, {
      scope: 'auth-failures',
      limit: config.AUTH_FAILURE_LIMIT_PER_MINUTE,
      windowMs: 60_000,
    });
  }

  /** Seconds the request's client address must wait before it may authenticate again; 0 if it may now. */
  retryAfter(req: AddressedRequest): Promise<number> {
    return this.limiter.blocked(this.addresses.of(req));
  }

  async failed(req: AddressedRequest): Promise<void> {
    await this.limiter.take(this.addresses.of(req));
  }
}

export const tooManyFailures = (seconds: number) =>
  `too many failed authentications from this address; retry in ${seconds} s`;
