import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import { AuthFailureLimiter } from './auth-failure-limiter.js';
import { AuthException, AuthExceptionCode } from './auth.exception.js';
import { AuthService } from './auth.service.js';
import { REQUIRED_ROLE } from './roles.decorator.js';
import { Role, roleAllows, type Actor } from './role.js';

interface GqlRequest {
  headers: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string } | null;
  actor?: Actor;
  /** Set once the token was refused, so a many-field operation counts as one failure. */
  authFailed?: boolean;
}

/** Every GraphQL operation needs a bearer API token whose role is at least the required one. */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly auth: AuthService,
    private readonly failures: AuthFailureLimiter,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType<string>() !== 'graphql') return true;
    const req = GqlExecutionContext.create(context).getContext<{ req: GqlRequest }>().req;
    const need =
      this.reflector.getAllAndOverride<Role | undefined>(REQUIRED_ROLE, [context.getHandler(), context.getClass()]) ??
      Role.Viewer;
    const actor = req.actor ?? (await this.authenticate(req));
    if (!roleAllows(actor.role, need)) {
      throw new AuthException(
        `this operation needs the ${need} role; the token has ${actor.role}`,
        AuthExceptionCode.RoleTooLow,
      );
    }
    return true;
  }

  private async authenticate(req: GqlRequest): Promise<Actor> {
    const header = req.headers.authorization;
    const value = Array.isArray(header) ? header[0] : header;
    const match = value ? /^Bearer\s+(\S+)$/i.exec(value) : null;
    if (!match)
      throw new AuthException(
        'missing API token: send "Authorization: Bearer <token>"',
        AuthExceptionCode.MissingToken,
      );
    const actor = req.authFailed ? undefined : await this.auth.authenticate(match[1]!);
    if (!actor) {
      // Marked before the (awaited, shared) count: the other fields' guards run meanwhile.
      const first = !req.authFailed;
      req.authFailed = true;
      if (first) await this.failures.failed(req);
      throw new AuthException('invalid, revoked or unknown API token', AuthExceptionCode.InvalidToken);
    }
    req.actor = actor;
    return actor;
  }
}
