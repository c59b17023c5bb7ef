/** Agent identity over HTTP: POST /v1/register (token → cluster + NATS JWT) and POST /v1/agent/renew. */
import { Module } from '@nestjs/common';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module.js';
import { RegistrationController } from './registration.controller.js';
import { RegistrationService } from './registration.service.js';
import { RenewalController } from './renewal.controller.js';
import { RenewalService } from './renewal.service.js';

@Module({
  imports: [FleetRepoModule],
  controllers: [RegistrationController, RenewalController],
  providers: [RegistrationService, RenewalService],
})
export class RegistrationModule {}
