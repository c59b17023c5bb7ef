import { registerEnumType } from '@nestjs/graphql';
import { Role } from '../../auth/role.js';

/** The GraphQL enum: conventional upper-case names over the stored values. */
export const RoleEnum = { VIEWER: Role.Viewer, OPERATOR: Role.Operator, ADMIN: Role.Admin } as const;

registerEnumType(RoleEnum, {
  name: 'Role',
  description: 'API roles: viewer reads, operator changes clusters, admin manages tokens',
});
