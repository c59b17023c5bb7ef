/**
 * CLI errors and exit codes: 0 ok, 1 any other failure, 2 bad usage (flags, arguments, input the
 * server rejected), 3 authentication or authorisation, 4 not found. GraphQL error codes map here.
 */
export const ExitCode = { Ok: 0, Failure: 1, Usage: 2, Auth: 3, NotFound: 4 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode = ExitCode.Failure,
    /** The server's error code, when the error came from the control plane. */
    readonly code?: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(message, ExitCode.Usage);

const BY_GRAPHQL_CODE: Record<string, ExitCode> = {
  UNAUTHENTICATED: ExitCode.Auth,
  FORBIDDEN: ExitCode.Auth,
  NOT_FOUND: ExitCode.NotFound,
  BAD_USER_INPUT: ExitCode.Usage,
  GRAPHQL_VALIDATION_FAILED: ExitCode.Usage,
};

const HINTS: Record<string, string> = {
  UNAUTHENTICATED: ' (run `flotilla login`, or set FLOTILLA_TOKEN)',
  FORBIDDEN: ' (ask an admin for a token with a higher role)',
};

/** Turns a GraphQL error from the control plane into a CliError with the matching exit code. */
export function fromGraphQLError(error: {
  message: string;
  extensions?: { code?: unknown; field?: unknown };
}): CliError {
  const code = typeof error.extensions?.code === 'string' ? error.extensions.code : 'INTERNAL';
  const field = typeof error.extensions?.field === 'string' ? ` [${error.extensions.field}]` : '';
  return new CliError(`${error.message}${field}${HINTS[code] ?? ''}`, BY_GRAPHQL_CODE[code] ?? ExitCode.Failure, code);
}
