/** Dead letters: the agent messages status ingest gave up on, readable by admins over GraphQL. */
import { Module } from '@nestjs/common';
import { DeadLettersResolver } from './dead-letters.resolver.js';
import { DeadLettersService } from './dead-letters.service.js';

@Module({ providers: [DeadLettersService, DeadLettersResolver] })
export class DeadLettersModule {}
