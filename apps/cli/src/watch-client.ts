/**
 * GraphQL subscriptions over graphql-ws (the `ws` package as the socket): the API token goes in
 * connectionParams; a refused connection (4403) or auth close becomes an exit-3 CliError.
 */
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { CliError, ExitCode, fromGraphQLError } from './errors.js';

export interface Subscription {
  /** Resolves when the socket is open and acknowledged. */
  ready: Promise<void>;
  /** Resolves when the subscription completes; rejects on errors. */
  done: Promise<void>;
  close(): Promise<void>;
}

export function subscribe<T>(
  server: string,
  token: string,
  query: string,
  variables: Record<string, unknown>,
  onData: (data: T) => void,
): Subscription {
  const url = `${server.replace(/^http/, 'ws')}/graphql`;
  let markReady!: () => void;
  const ready = new Promise<void>((r) => (markReady = r));
  const client: Client = createClient({
    url,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    lazy: false,
    on: { connected: () => markReady() },
  });
  const done = new Promise<void>((resolve, reject) => {
    const fail = (error: unknown) => reject(toCliError(error, url));
    client.subscribe<T>(
      { query, variables },
      {
        next: (msg) => {
          if (msg.errors?.length) fail(msg.errors);
          else if (msg.data) onData(msg.data);
        },
        error: fail,
        complete: resolve,
      },
    );
  });
  done.catch(() => undefined);
  return {
    ready: Promise.race([ready, done.then(() => undefined)]),
    done,
    close: () => client.dispose() as Promise<void>,
  };
}

function toCliError(error: unknown, url: string): CliError {
  if (error instanceof CliError) return error;
  if (Array.isArray(error) && error[0]?.message) return fromGraphQLError(error[0]);
  const close = error as { code?: number; reason?: string };
  if (typeof close.code === 'number') {
    if (close.code === 4403 || close.code === 4401)
      return new CliError(
        `the control plane refused the token for live updates (${close.reason || close.code})`,
        ExitCode.Auth,
        'UNAUTHENTICATED',
      );
    return new CliError(`live updates from ${url} stopped: ${close.reason || `socket closed with code ${close.code}`}`);
  }
  const e = error as { message?: string; code?: string };
  return new CliError(`cannot open live updates at ${url}: ${e.code ?? e.message ?? String(error)}`);
}
