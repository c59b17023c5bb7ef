import { UseFilters } from '@nestjs/common';
import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import { z } from 'zod';
import { parseInput } from '../../common/graphql-error.util.js';
import { RequireRole } from '../auth/roles.decorator.js';
import { Role } from '../auth/role.js';
import { AuditExceptionFilter } from './audit.exception.filter.js';
import { AuditException, AuditExceptionCode } from './audit.exception.js';
import { AuditService } from './audit.service.js';
import { AuditEventConnection } from './models/audit-event.model.js';

const First = z.number().int().min(1).max(500);

@Resolver()
@UseFilters(AuditExceptionFilter)
export class AuditResolver {
  constructor(private readonly audit: AuditService) {}

  @Query(() => AuditEventConnection, { description: 'Every audited change, newest first' })
  @RequireRole(Role.Admin)
  async auditLog(
    @Args('first', { type: () => Int, defaultValue: 50 }) first: number,
    @Args('after', { type: () => String, nullable: true }) after?: string | null,
  ): Promise<AuditEventConnection> {
    const n = parseInput(First, first, 'first', (m, f) => new AuditException(m, AuditExceptionCode.InvalidInput, f));
    const page = await this.audit.page(n, after);
    const edges = page.events.map((e) => ({ cursor: page.cursorOf(e), node: e }));
    return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
  }
}
