/**
 * A tiny GraphQL client over fetch: one POST per operation with the bearer token; transport
 * failures, non-JSON answers and GraphQL errors all become CliErrors with a clear message.
 */
import { CliError, ExitCode, fromGraphQLError } from './errors.js';

export interface GraphQLClient {
  readonly server: string;
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: unknown; field?: unknown } }[];
}

export function createClient(server: string, token: string, timeoutMs = 30_000): GraphQLClient {
  return {
    server,
    async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      let res: Response;
      try {
        res = await fetch(`${server}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({ query, variables }),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (error) {
        const cause = (error as { cause?: { code?: string; message?: string } }).cause;
        throw new CliError(
          `cannot reach the control plane at ${server}: ${cause?.code ?? cause?.message ?? (error as Error).message}`,
        );
      }
      if (res.status === 429)
        throw new CliError(
          `the control plane at ${server} is rate limiting requests; retry in ${res.headers.get('retry-after') ?? 'a few'} seconds`,
        );
      let body: GraphQLResponse<T>;
      try {
        body = (await res.json()) as GraphQLResponse<T>;
      } catch {
        throw new CliError(
          `unexpected answer from ${server}/graphql: HTTP ${res.status} without a GraphQL body (is this a Flotilla control plane?)`,
        );
      }
      const first = body.errors?.[0];
      if (first) throw fromGraphQLError(first);
      if (res.status === 401 || res.status === 403)
        throw new CliError(`the control plane refused the token (HTTP ${res.status})`, ExitCode.Auth);
      if (!body.data) throw new CliError(`the control plane at ${server} answered HTTP ${res.status} without data`);
      return body.data;
    },
  };
}
