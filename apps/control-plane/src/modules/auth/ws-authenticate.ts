import type { AddressedRequest } from '../../common/client-address.js';
import { tooManyFailures, type AuthFailureLimiter } from './auth-failure-limiter.js';
import type { AuthService } from './auth.service.js';
import type { Actor } from './role.js';
import type { ClosableSocket, WsSessions } from './ws-sessions.js';

/** What graphql-ws hands onConnect: the connection params and the upgrade request. */
interface WsConnect {
  connectionParams?: Record<string, unknown>;
  extra: unknown;
}
export interface WsExtra {
  actor?: Actor;
  /** The bearer token, checked again for every operation (a revoked one is refused at once). */
  token?: string;
  request?: AddressedRequest;
  socket?: ClosableSocket;
}

/** Close code for an address over its authentication-failure limit (4429, as HTTP 429). */
export const WS_CLOSE_TOO_MANY_FAILURES = 4429;

/**
 * graphql-ws on /graphql: the API token comes in connectionParams (`authorization: "Bearer …"`
 * or `token`); an address over its failure limit is closed with 4429 before any token check.
 * The socket is registered under its token id, so a revocation (on any replica) closes it.
 */
export function authenticateOnConnect(auth: AuthService, failures: AuthFailureLimiter, sessions: WsSessions) {
  return async (ctx: WsConnect): Promise<boolean> => {
    const extra = ctx.extra as WsExtra;
    const request = extra.request ?? { headers: {} };
    const wait = await failures.retryAfter(request);
    if (wait > 0) {
      extra.socket?.close(WS_CLOSE_TOO_MANY_FAILURES, tooManyFailures(wait));
      return false;
    }
    const p = ctx.connectionParams ?? {};
    const raw =
      typeof p.authorization === 'string'
        ? p.authorization
        : typeof p.Authorization === 'string'
          ? p.Authorization
          : typeof p.token === 'string'
            ? `Bearer ${p.token}`
            : '';
    const match = /^Bearer\s+(\S+)$/i.exec(raw);
    const actor = match ? await auth.authenticate(match[1]!) : undefined;
    if (!actor) {
      if (match) await failures.failed(request);
      return false;
    }
    extra.actor = actor;
    extra.token = match![1]!;
    if (extra.socket) sessions.add(actor.id, extra.socket);
    return true;
  };
}
