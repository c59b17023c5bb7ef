import { UseFilters } from '@nestjs/common';
import { Args, ID, Mutation, Query, Resolver } from '@nestjs/graphql';
import { z } from 'zod';
import { parseInput } from '../../common/graphql-error.util.js';
import { CurrentActor, RequireRole } from '../auth/roles.decorator.js';
import { Role, type Actor } from '../auth/role.js';
import { CreateRegistrationTokenInput, CreateRegistrationTokenSchema } from './dto/create-registration-token.input.js';
import { CreatedRegistrationToken, RegistrationTokenModel } from './models/registration-token.model.js';
import { RegistrationTokensExceptionFilter } from './registration-tokens.exception.filter.js';
import { RegistrationTokensException, RegistrationTokensExceptionCode } from './registration-tokens.exception.js';
import { RegistrationTokensService } from './registration-tokens.service.js';

const invalid = (message: string, field: string) =>
  new RegistrationTokensException(message, RegistrationTokensExceptionCode.InvalidInput, field);

@Resolver(() => RegistrationTokenModel)
@UseFilters(RegistrationTokensExceptionFilter)
@RequireRole(Role.Admin)
export class RegistrationTokensResolver {
  constructor(private readonly tokens: RegistrationTokensService) {}

  @Query(() => [RegistrationTokenModel], { description: 'Every registration token (never its secret)' })
  @RequireRole(Role.Operator)
  registrationTokens(): Promise<RegistrationTokenModel[]> {
    return this.tokens.list();
  }

  @Mutation(() => CreatedRegistrationToken, {
    description: 'Create a registration token; its secret is returned only here',
  })
  createRegistrationToken(
    @CurrentActor() actor: Actor,
    @Args('input') input: CreateRegistrationTokenInput,
  ): Promise<CreatedRegistrationToken> {
    return this.tokens.create(actor, parseInput(CreateRegistrationTokenSchema, input, 'input', invalid));
  }

  @Mutation(() => RegistrationTokenModel)
  revokeRegistrationToken(
    @CurrentActor() actor: Actor,
    @Args('id', { type: () => ID }) id: string,
  ): Promise<RegistrationTokenModel> {
    return this.tokens.revoke(actor, parseInput(z.string().uuid(), id, 'id', invalid));
  }
}
