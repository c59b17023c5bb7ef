/** Registered clusters: listing, lookup, tags, deregistration and the fleet summary. */
import { Module } from '@nestjs/common';
import { ClustersResolver } from './clusters.resolver.js';
import { ClustersService } from './clusters.service.js';

@Module({ providers: [ClustersService, ClustersResolver], exports: [ClustersService] })
export class ClustersModule {}
