/**
 * graphql-ws messages get the same byte limit as HTTP bodies. Nest creates the WebSocket
 * server itself with `ws`'s default (100 MiB per message) and offers no option for it, so the
 * limit is set on that server once it exists; `ws` reads it for every new connection, and a
 * bigger message closes the connection with 1009 (message too big) before it is buffered.
 * Messages nested deeper than HTTP_MAX_JSON_DEPTH close the connection with 4400 before they are parsed.
 * Fails the boot if Nest's internals moved, rather than silently running without the limit.
 */
import type { INestApplication } from '@nestjs/common';
import { GraphQLModule } from '@nestjs/graphql';
import type { WebSocket } from 'ws';
import { JsonDepthScanner } from '../common/json-depth.js';

/** Close code for a message nested deeper than allowed (graphql-ws's 4400, bad request). */
export const WS_CLOSE_TOO_DEEP = 4400;

interface WithWebSocketServer {
  graphQlAdapter?: {
    _subscriptionService?: {
      wss?: {
        options?: { maxPayload?: number };
        prependListener(event: 'connection', listener: (socket: WebSocket) => void): void;
      };
    };
  };
}

type MessageListener = (data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) => void;

const bytesOf = (data: Buffer | ArrayBuffer | Buffer[]): Uint8Array =>
  Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;

/**
 * Every message listener graphql-ws adds to a socket first counts the message's JSON nesting
 * (without parsing it); one deeper than `maxDepth` closes the socket with 4400 and is never parsed.
 */
function limitDepth(socket: WebSocket, maxDepth: number): void {
  const on = socket.on.bind(socket) as (event: string, listener: (...args: unknown[]) => void) => WebSocket;
  socket.on = ((event: string, listener: (...args: unknown[]) => void) => {
    if (event !== 'message') return on(event, listener);
    return on(event, (data, isBinary) => {
      const bytes = bytesOf(data as Buffer);
      if (!new JsonDepthScanner(maxDepth).feed(bytes)) {
        socket.close(WS_CLOSE_TOO_DEEP, `message nested deeper than ${maxDepth} levels`);
        return;
      }
      (listener as MessageListener)(data as Buffer, isBinary as boolean);
    });
  }) as WebSocket['on'];
}

export function limitWsMessageSize(app: INestApplication, maxBytes: number, maxJsonDepth: number): void {
  const wss = (app.get(GraphQLModule) as unknown as WithWebSocketServer).graphQlAdapter?._subscriptionService?.wss;
  if (!wss?.options || typeof wss.options.maxPayload !== 'number') {
    throw new Error(
      'cannot limit graphql-ws message size: the GraphQL module no longer exposes its WebSocket server (check @nestjs/apollo)',
    );
  }
  wss.options.maxPayload = maxBytes;
  wss.prependListener('connection', (socket) => limitDepth(socket, maxJsonDepth));
}
