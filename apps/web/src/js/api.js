// The dashboard's only way to the control plane: GraphQL over fetch, subscriptions over
// graphql-ws (its browser build, served by the control plane), both with the user's API token.
/* global fetch, location */
import { createClient } from '/vendor/graphql-ws/client.js';

export class ApiError extends Error {
  /** @param {string} message @param {string | undefined} code */
  constructor(message, code) {
    super(message);
    this.code = code;
  }
}

/**
 * @param {{ token: string, onUnauthenticated?: () => void }} opts
 */
export function createApi({ token, onUnauthenticated }) {
  /** @type {ReturnType<typeof createClient> | undefined} */
  let ws;

  /** Runs a query or mutation; throws ApiError with the server's message on any error. */
  async function gql(query, variables = {}) {
    let res;
    try {
      res = await fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
    } catch {
      throw new ApiError('the control plane cannot be reached', 'NETWORK');
    }
    const body = await res.json().catch(() => null);
    if (!body) throw new ApiError(`the control plane answered HTTP ${res.status} without a GraphQL response`, 'HTTP');
    const first = body.errors?.[0];
    if (first) {
      const code = first.extensions?.code;
      if (code === 'UNAUTHENTICATED') onUnauthenticated?.();
      throw new ApiError(first.message, code);
    }
    return body.data;
  }

  /**
   * Subscribes; `onData` gets each result's data. Returns the unsubscribe function.
   * @param {string} query @param {Record<string, unknown>} variables
   * @param {(data: any) => void} onData @param {(err: unknown) => void} [onError]
   */
  function subscribe(query, variables, onData, onError = () => {}) {
    ws ??= createClient({
      url: `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/graphql`,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 1000,
      shouldRetry: () => true,
    });
    return ws.subscribe(
      { query, variables },
      {
        next: (r) =>
          r.errors?.length ? onError(new ApiError(r.errors[0].message, r.errors[0].extensions?.code)) : onData(r.data),
        error: onError,
        complete: () => {},
      },
    );
  }

  return { gql, subscribe, close: () => ws?.dispose() };
}
