/** The agent relay: agents' only way to the agent stream and their desired state (libs/relay). */
import { Module } from '@nestjs/common';
import { RelayService } from './relay.service.js';

@Module({ providers: [RelayService] })
export class RelayModule {}
