/** API tokens with roles for the GraphQL API (admin only). */
import { Module } from '@nestjs/common';
import { ApiTokensResolver } from './api-tokens.resolver.js';
import { ApiTokensService } from './api-tokens.service.js';

@Module({ providers: [ApiTokensService, ApiTokensResolver] })
export class ApiTokensModule {}
