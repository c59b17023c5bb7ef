import { createParamDecorator, SetMetadata, type ExecutionContext } from '@nestjs/common';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Actor, Role } from './role.js';

export const REQUIRED_ROLE = 'flotilla:required-role';

/** The weakest role allowed to call this resolver (default: viewer). */
export const RequireRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

/** The authenticated caller, set on the request by AuthGuard. */
export const CurrentActor = createParamDecorator((_data: unknown, ctx: ExecutionContext): Actor => {
  const req = GqlExecutionContext.create(ctx).getContext<{ req: { actor?: Actor } }>().req;
  if (!req.actor) throw new Error('CurrentActor used on a resolver the AuthGuard did not run for');
  return req.actor;
});
