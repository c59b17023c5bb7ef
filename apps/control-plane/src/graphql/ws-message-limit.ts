/**
 * graphql-ws messages get the same byte limit as HTTP bodies. Nest creates the WebSocket
 * server itself with `ws`'s default (100 MiB per message) and offers no option for it, so the
 * limit is set on that server once it exists; `ws` reads it for every new connection, and a
 * bigger message closes the connection with 1009 (message too big) before it is buffered.
 * Fails the boot if Nest's internals moved, rather than silently running without the limit.
 */
import type { INestApplication } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';

interface WithWebSocketServer {
  graphQlAdapter?: { _subscriptionService?: { wss?: { options?: { maxPayload?: number } } } };
}

export function limitWsMessageSize(app: INestApplication, maxBytes: number): void {
  const wss = (app.get(GraphQLModule) as unknown as WithWebSocketServer).graphQlAdapter?._subscriptionService?.wss;
  if (!wss?.options || typeof wss.options.maxPayload !== 'number') {
    throw new Error(
      'cannot limit graphql-ws message size: the GraphQL module no longer exposes its WebSocket server (check @nestjs/apollo)',
    );
  }
  wss.options.maxPayload = maxBytes;
}
