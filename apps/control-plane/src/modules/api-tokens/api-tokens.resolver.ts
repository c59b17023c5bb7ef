import { UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { z } from 'zod';
import { parseInput } from '../../common/graphql-error.util.js';
import { CurrentActor, RequireRole } from '../auth/roles.decorator.js';
import { Role, type Actor } from '../auth/role.js';
import { ApiTokensExceptionFilter } from './api-tokens.exception.filter.js';
import { ApiTokensException, ApiTokensExceptionCode } from './api-tokens.exception.js';
import { ApiTokensService } from './api-tokens.service.js';
import { CreateApiTokenInput, CreateApiTokenSchema } from './dto/create-api-token.input.js';
import { ApiTokenModel, CreatedApiToken } from './models/api-token.model.js';

const invalid = (message: string, field: string) =>
  new ApiTokensException(message, ApiTokensExceptionCode.InvalidInput, field);

@Resolver(() => ApiTokenModel)
@UseFilters(ApiTokensExceptionFilter)
@RequireRole(Role.Admin)
export class ApiTokensResolver {
  constructor(private readonly tokens: ApiTokensService) {}

  @Query(() => [ApiTokenModel], { description: 'Every API token (never its secret)' })
  apiTokens(): Promise<ApiTokenModel[]> {
    return this.tokens.list();
  }

  @Mutation(() => CreatedApiToken, { description: 'Issue an API token; its secret is returned only here' })
  createApiToken(@CurrentActor() actor: Actor, @Args('input') input: CreateApiTokenInput): Promise<CreatedApiToken> {
    return this.tokens.create(actor, parseInput(CreateApiTokenSchema, input, 'input', invalid));
  }

  @Mutation(() => ApiTokenModel)
  revokeApiToken(@CurrentActor() actor: Actor, @Args('id', { type: () => ID }) id: string): Promise<ApiTokenModel> {
    return this.tokens.revoke(actor, parseInput(z.string().uuid(), id, 'id', invalid));
  }
}
