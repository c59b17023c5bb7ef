import { Query, Resolver } from '@nestjs/graphql';
import { Me } from './models/me.model.js';
import { CurrentActor } from './roles.decorator.js';
import type { Actor } from './role.js';

/** `me`: who the caller is, so clients (the dashboard, the CLI) can offer only what the role allows. */
@Resolver()
export class MeResolver {
  @Query(() => Me, { description: 'The caller: token name and role' })
  me(@CurrentActor() actor: Actor): Me {
    return { id: actor.id, name: actor.name, role: actor.role };
  }
}
