/** Drift events: the driftEvents query and the driftDetected subscription. */
import { Module } from '@nestjs/common';
import { DriftResolver } from './drift.resolver.js';
import { DriftService } from './drift.service.js';

@Module({ providers: [DriftService, DriftResolver] })
export class DriftModule {}
