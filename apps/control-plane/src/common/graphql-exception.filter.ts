/**
 * One factory for every module's GraphQL exception filter: a module names its exception class
 * and maps each of its codes to a GraphQL error code; the filter answers with the message, that
 * code and the field. Applied to field resolvers too (`fieldResolverEnhancers` in app.module).
 */
import { Catch, type Type } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import type { GraphQLError } from 'graphql';
import { graphQLError, type DomainException, type GraphQLErrorCode } from './graphql-error.util.js';

export function graphQLExceptionFilter<Code extends string>(
  exception: abstract new (...args: never[]) => DomainException<Code>,
  codes: Record<Code, GraphQLErrorCode>,
): Type<GqlExceptionFilter> {
  @Catch(exception)
  class DomainExceptionFilter implements GqlExceptionFilter {
    catch(error: DomainException<Code>): GraphQLError {
      return graphQLError(error.message, codes[error.code], error.field);
    }
  }
  Object.defineProperty(DomainExceptionFilter, 'name', { value: `${exception.name}Filter` });
  return DomainExceptionFilter;
}
