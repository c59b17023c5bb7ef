/** Agent registration over HTTP: POST /v1/register. */
import { Module } from '@nestjs/common';
import { FleetRepoModule } from '../fleet-repo/fleet-repo.module.js';
import { RegistrationController } from './registration.controller.js';
import { RegistrationService } from './registration.service.js';

@Module({ imports: [FleetRepoModule], controllers: [RegistrationController], providers: [RegistrationService] })
export class RegistrationModule {}
