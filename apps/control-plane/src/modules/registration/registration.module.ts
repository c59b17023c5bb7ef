/** Agent registration over HTTP: POST /v1/register. */
import { Module } from '@nestjs/common';
import { RegistrationController } from './registration.controller.js';
import { RegistrationService } from './registration.service.js';

@Module({ controllers: [RegistrationController], providers: [RegistrationService] })
export class RegistrationModule {}
