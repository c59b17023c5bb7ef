import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../common/cursor.util.js';
import type { Actor } from '../auth/role.js';
import { AuditEvent } from './audit-event.entity.js';
import { AuditException, AuditExceptionCode } from './audit.exception.js';

export interface AuditEntry {
  action: string;
  targetType: string;
  targetId: string;
  details?: Record<string, unknown>;
}

/** Writes audit events inside the caller's transaction, and pages through them newest first. */
@Injectable()
export class AuditService {
  constructor(private readonly db: DataSource) {}

  async record(manager: EntityManager, actor: Pick<Actor, 'id' | 'name'>, entry: AuditEntry): Promise<void> {
    await manager.insert(AuditEvent, {
      actorId: actor.id,
      actorName: actor.name,
      action: entry.action,
      targetType: entry.targetType,
      targetId: entry.targetId,
      details: (entry.details ?? {}) as AuditEvent['details'] & object,
    });
  }

  async page(
    first: number,
    after?: string | null,
  ): Promise<{ events: AuditEvent[]; hasNextPage: boolean; cursorOf: (e: AuditEvent) => string }> {
    const q = this.db
      .getRepository(AuditEvent)
      .createQueryBuilder('e')
      .orderBy('e.id', 'DESC')
      .limit(first + 1);
    if (after) {
      const id = decodeCursor(after);
      if (typeof id !== 'string' || !/^\d+$/.test(id))
        throw new AuditException('after: not a cursor from auditLog', AuditExceptionCode.BadCursor, 'after');
      q.where('e.id < :id', { id });
    }
    const rows = await q.getMany();
    return { events: rows.slice(0, first), hasNextPage: rows.length > first, cursorOf: (e) => encodeCursor(e.id) };
  }
}
