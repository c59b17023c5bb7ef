import { Field, InputType } from '@nestjs/graphql';
import { z } from 'zod';
import { Role } from '../../auth/role.js';

import { RoleEnum } from '../models/role.enum.js';

@InputType()
export class CreateApiTokenInput {
  @Field({ description: 'What the token is for (1-100 characters)' }) name!: string;
  @Field(() => RoleEnum) role!: Role;
}

export const CreateApiTokenSchema = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum([Role.Viewer, Role.Operator, Role.Admin]),
});
