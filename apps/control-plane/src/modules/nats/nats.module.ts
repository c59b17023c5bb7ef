/** NATS: the hub's connection, the agent stream and the desired-state bucket. */
import { Global, Module } from '@nestjs/common';
import { NatsService } from './nats.service.js';

@Global()
@Module({ providers: [NatsService], exports: [NatsService] })
export class NatsModule {}
