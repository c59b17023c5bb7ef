/**
 * Last stop for GraphQL errors: known codes pass through; anything else is logged with its
 * cause and replaced by a generic INTERNAL error, so internals never leak to callers.
 */
import type { GraphQLFormattedError } from 'graphql';
import type { Logger } from 'pino';

const PASS_THROUGH = new Set([
  'NOT_FOUND',
  'CONFLICT',
  'FORBIDDEN',
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
  'BAD_REQUEST',
]);

export function createFormatError(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && PASS_THROUGH.has(code)) {
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      return { ...formatted, extensions };
    }
    const cause = (error as { originalError?: unknown }).originalError ?? error;
    logger.error({ err: cause, path: formatted.path }, 'unexpected error in GraphQL operation');
    return {
      message: 'Internal server error',
      extensions: { code: 'INTERNAL' },
      ...(formatted.path ? { path: formatted.path } : {}),
    };
  };
}
