import { Inject, Injectable } from '@nestjs/common';
import type { ControlPlaneConfig } from '../config/config.schema.js';
import { CONFIG } from '../config/config.token.js';
import { clientAddressResolver, type AddressedRequest, type ClientAddressOf } from './client-address.js';

/** The client address of a request under this control plane's TRUSTED_PROXIES (one per app). */
@Injectable()
export class ClientAddresses {
  private readonly resolve: ClientAddressOf;

  constructor(@Inject(CONFIG) config: Pick<ControlPlaneConfig, 'TRUSTED_PROXIES'>) {
    this.resolve = clientAddressResolver(config.TRUSTED_PROXIES);
  }

  of(req: AddressedRequest): string {
    return this.resolve(req);
  }
}
