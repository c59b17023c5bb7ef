/** NATS: the hub's connection, the agent stream, the desired-state bucket and credential revocation. */
import { Global, Module } from '@nestjs/common';
import { CredentialRevoker } from './credential-revoker.service.js';
import { NatsService } from './nats.service.js';

@Global()
@Module({ providers: [NatsService, CredentialRevoker], exports: [NatsService, CredentialRevoker] })
export class NatsModule {}
