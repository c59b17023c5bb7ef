/**
 * The open graphql-ws sockets of this replica, by API token id, so a revoked token's sockets can
 * be closed at once (4403), which also ends their subscriptions.
 */
import { Injectable } from '@nestjs/common';

export interface ClosableSocket {
  close(code: number, reason: string): void;
  once(event: 'close', listener: () => void): unknown;
}

/** Close code for a socket whose API token was revoked (4403, as HTTP 403 — graphql-ws's Forbidden). */
export const WS_CLOSE_TOKEN_REVOKED = 4403;

@Injectable()
export class WsSessions {
  private readonly byToken = new Map<string, Set<ClosableSocket>>();

  add(tokenId: string, socket: ClosableSocket): void {
    let sockets = this.byToken.get(tokenId);
    if (!sockets) this.byToken.set(tokenId, (sockets = new Set()));
    sockets.add(socket);
    socket.once('close', () => {
      sockets.delete(socket);
      if (sockets.size === 0 && this.byToken.get(tokenId) === sockets) this.byToken.delete(tokenId);
    });
  }

  /** Closes every socket of the token; returns how many. */
  closeToken(tokenId: string): number {
    const sockets = this.byToken.get(tokenId);
    if (!sockets) return 0;
    this.byToken.delete(tokenId);
    for (const s of sockets) s.close(WS_CLOSE_TOKEN_REVOKED, 'API token revoked');
    return sockets.size;
  }

  tokenIds(): string[] {
    return [...this.byToken.keys()];
  }
}
