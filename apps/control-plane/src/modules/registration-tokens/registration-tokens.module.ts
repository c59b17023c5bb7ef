/** Registration tokens: what an agent presents once to join the fleet. */
import { Module } from '@nestjs/common';
import { RegistrationTokensResolver } from './registration-tokens.resolver.js';
import { RegistrationTokensService } from './registration-tokens.service.js';

@Module({ providers: [RegistrationTokensService, RegistrationTokensResolver] })
export class RegistrationTokensModule {}
