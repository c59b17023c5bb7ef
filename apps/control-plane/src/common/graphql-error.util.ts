/** The GraphQL error codes clients may see; anything else becomes INTERNAL. */
import { GraphQLError } from 'graphql';
import type { ZodType } from 'zod';

export const GraphQLErrorCode = {
  NotFound: 'NOT_FOUND',
  Conflict: 'CONFLICT',
  Forbidden: 'FORBIDDEN',
  BadUserInput: 'BAD_USER_INPUT',
  Unauthenticated: 'UNAUTHENTICATED',
} as const;
export type GraphQLErrorCode = (typeof GraphQLErrorCode)[keyof typeof GraphQLErrorCode];

export function graphQLError(message: string, code: GraphQLErrorCode, field?: string): GraphQLError {
  return new GraphQLError(message, { extensions: field ? { code, field } : { code } });
}

/** A domain exception: a message for the caller and a module-specific code. */
export abstract class DomainException<Code extends string = string> extends Error {
  constructor(
    message: string,
    readonly code: Code,
    readonly field?: string,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/**
 * Parses GraphQL input with a zod schema; on failure calls `fail` with a message naming
 * every bad field (prefixed by the argument name) and the first bad field's path.
 */
export function parseInput<T>(
  schema: ZodType<T>,
  value: unknown,
  arg: string,
  fail: (message: string, field: string) => Error,
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((i) => [arg, ...i.path.map(String)].join('.'));
  const message = result.error.issues.map((i, n) => `${fields[n]}: ${i.message}`).join('; ');
  throw fail(`invalid input: ${message}`, fields[0]!);
}
