import { Field, InputType, registerEnumType } from '@nestjs/graphql';
import { z } from 'zod';
import { Role } from '../../auth/role.js';

registerEnumType(Role, { name: 'Role', description: 'API roles: viewer reads, operator changes clusters, admin manages tokens' });

@InputType()
export class CreateApiTokenInput {
  @Field({ description: 'What the token is for (1-100 characters)' }) name!: string;
  @Field(() => Role) role!: Role;
}

export const CreateApiTokenSchema = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum([Role.Viewer, Role.Operator, Role.Admin]),
});
