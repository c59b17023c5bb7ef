import { Field, ID, ObjectType } from '@nestjs/graphql';
import type { Role } from '../../auth/role.js';
import { RoleEnum } from './role.enum.js';

@ObjectType('ApiToken')
export class ApiTokenModel {
  @Field(() => ID) id!: string;
  @Field() name!: string;
  @Field(() => RoleEnum) role!: Role;
  @Field() createdBy!: string;
  @Field() createdAt!: Date;
  @Field(() => Date, { nullable: true }) revokedAt!: Date | null;
}

@ObjectType()
export class CreatedApiToken {
  @Field(() => ApiTokenModel) apiToken!: ApiTokenModel;
  @Field({ description: 'The bearer secret. Shown only in this response; store it now.' }) token!: string;
}
