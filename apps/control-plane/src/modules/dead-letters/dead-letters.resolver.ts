import { UseFilters } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { z } from 'zod';
import { parseInput } from '../../common/graphql-error.util.js';
import { RequireRole } from '../auth/roles.decorator.js';
import { Role } from '../auth/role.js';
import { DeadLettersExceptionFilter } from './dead-letters.exception.filter.js';
import { DeadLettersException, DeadLettersExceptionCode } from './dead-letters.exception.js';
import { DeadLettersService } from './dead-letters.service.js';
import { DeadLetterConnection } from './models/dead-letter.model.js';

const First = z.number().int().min(1).max(500);

@Resolver()
@UseFilters(DeadLettersExceptionFilter)
export class DeadLettersResolver {
  constructor(private readonly service: DeadLettersService) {}

  @Query(() => DeadLetterConnection, {
    description:
      'Agent messages ingest gave up on (invalid, refused by the database, redeliveries spent), newest first',
  })
  @RequireRole(Role.Admin)
  deadLetters(
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<DeadLetterConnection> {
    const n = parseInput(
      First,
      first,
      'first',
      (m, f) => new DeadLettersException(m, DeadLettersExceptionCode.InvalidInput, f),
    );
    return this.service.page(n, after);
  }
}
