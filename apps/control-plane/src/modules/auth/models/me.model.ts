import { Field, ObjectType } from '@nestjs/graphql';
import { RoleEnum } from '../../api-tokens/models/role.enum.js';
import type { Role } from '../role.js';

@ObjectType({ description: 'The caller: the API token the request was made with' })
export class Me {
  @Field({ description: 'API token id ("admin-token" for the boot admin token)' })
  id!: string;

  @Field()
  name!: string;

  @Field(() => RoleEnum, { description: 'What the token may do; clients show or hide actions by it' })
  role!: Role;
}
