import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource, QueryFailedError } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../common/cursor.util.js';
import { SecretBox } from '../../common/secret-box.util.js';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/role.js';
import type { AlertEventKind } from './alert-event.js';
import type { CreateNotificationTarget } from './dto/create-notification-target.input.js';
import type { NotificationDeliveryModel } from './models/notification-delivery.model.js';
import type { TargetKind } from './models/notification-enums.js';
import type { NotificationTargetModel } from './models/notification-target.model.js';
import { NotificationsException, NotificationsExceptionCode } from './notifications.exception.js';

interface TargetRow {
  id: string;
  name: string;
  kind: TargetKind;
  host: string;
  secret_enc: Buffer | null;
  events: AlertEventKind[];
  created_by: string;
  created_at: Date;
}

const toModel = (r: TargetRow): NotificationTargetModel => ({
  id: r.id,
  name: r.name,
  kind: r.kind,
  host: r.host,
  signed: r.secret_enc !== null,
  events: r.events,
  createdBy: r.created_by,
  createdAt: r.created_at,
});

/** A target with its URL and secret opened, for sending only. */
export interface OpenedTarget {
  id: string;
  kind: TargetKind;
  url: string;
  secret: string | null;
}

/** Notification targets (admin) and the delivery log; URLs and secrets are sealed with FLOTILLA_SECRET_KEY. */
@Injectable()
export class NotificationTargetsService {
  private readonly box: SecretBox;

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    @Inject(CONFIG) config: ControlPlaneConfig,
  ) {
    this.box = new SecretBox(config.FLOTILLA_SECRET_KEY);
  }

  async create(actor: Actor, input: CreateNotificationTarget): Promise<NotificationTargetModel> {
    const id = randomUUID();
    const host = new URL(input.url).host;
    try {
      return await this.db.transaction(async (m) => {
        const [row] = (await m.query(
          `INSERT INTO notification_targets (id, name, kind, host, url_enc, secret_enc, events, created_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING *`,
          [
            id,
            input.name,
            input.kind,
            host,
            this.box.seal(input.url),
            input.secret ? this.box.seal(input.secret) : null,
            [...new Set(input.events)],
            actor.name,
          ],
        )) as TargetRow[];
        await this.audit.record(m, actor, {
          action: 'notificationTarget.create',
          targetType: 'NotificationTarget',
          targetId: id,
          details: { name: input.name, kind: input.kind, host, events: input.events },
        });
        return toModel(row!);
      });
    } catch (error) {
      if (error instanceof QueryFailedError && (error.driverError as { code?: string }).code === '23505') {
        throw new NotificationsException(
          `a notification target named ${input.name} exists`,
          NotificationsExceptionCode.NameTaken,
          'input.name',
        );
      }
      throw error;
    }
  }

  async list(): Promise<NotificationTargetModel[]> {
    return ((await this.db.query(`SELECT * FROM notification_targets ORDER BY name`)) as TargetRow[]).map(toModel);
  }

  async delete(actor: Actor, id: string): Promise<NotificationTargetModel> {
    return this.db.transaction(async (m) => {
      const [rows] = (await m.query(`DELETE FROM notification_targets WHERE id = $1 RETURNING *`, [id])) as [
        TargetRow[],
        number,
      ];
      const row = rows[0];
      if (!row)
        throw new NotificationsException(
          `no notification target with id ${id}`,
          NotificationsExceptionCode.NotFound,
          'id',
        );
      await this.audit.record(m, actor, {
        action: 'notificationTarget.delete',
        targetType: 'NotificationTarget',
        targetId: id,
        details: { name: row.name },
      });
      return toModel(row);
    });
  }

  /** Ids of the targets that want this event. */
  async subscribers(event: AlertEventKind): Promise<string[]> {
    return (
      (await this.db.query(`SELECT id FROM notification_targets WHERE $1 = ANY(events)`, [event])) as { id: string }[]
    ).map((r) => r.id);
  }

  async open(id: string): Promise<OpenedTarget | undefined> {
    const [row] = (await this.db.query(`SELECT id, kind, url_enc, secret_enc FROM notification_targets WHERE id = $1`, [
      id,
    ])) as { id: string; kind: TargetKind; url_enc: Buffer; secret_enc: Buffer | null }[];
    if (!row) return undefined;
    return {
      id: row.id,
      kind: row.kind,
      url: this.box.open(row.url_enc),
      secret: row.secret_enc ? this.box.open(row.secret_enc) : null,
    };
  }

  /** Newest first. */
  async deliveries(
    first: number,
    after?: string | null,
  ): Promise<{ items: { cursor: string; node: NotificationDeliveryModel }[]; hasNextPage: boolean }> {
    let before = '9223372036854775807';
    if (after) {
      const c = decodeCursor(after);
      if (typeof c !== 'string' || !/^\d+$/.test(c))
        throw new NotificationsException(
          'after: not a cursor from notificationDeliveries',
          NotificationsExceptionCode.BadCursor,
          'after',
        );
      before = c;
    }
    const rows = (await this.db.query(
      `SELECT d.*, t.name AS target_name FROM notification_deliveries d JOIN notification_targets t ON t.id = d.target_id
        WHERE d.id < $1::bigint ORDER BY d.id DESC LIMIT $2`,
      [before, first + 1],
    )) as {
      id: string;
      target_id: string;
      target_name: string;
      event: AlertEventKind;
      summary: string;
      cluster_names: string[];
      status: NotificationDeliveryModel['status'];
      attempts: number;
      last_error: string | null;
      next_attempt_at: Date;
      created_at: Date;
      delivered_at: Date | null;
    }[];
    const items = rows.slice(0, first).map((r) => ({
      cursor: encodeCursor(String(r.id)),
      node: {
        id: String(r.id),
        targetId: r.target_id,
        targetName: r.target_name,
        event: r.event,
        summary: r.summary,
        clusters: r.cluster_names,
        status: r.status,
        attempts: r.attempts,
        lastError: r.last_error,
        nextAttemptAt: r.status === 'pending' ? r.next_attempt_at : null,
        createdAt: r.created_at,
        deliveredAt: r.delivered_at,
      },
    }));
    return { items, hasNextPage: rows.length > first };
  }
}
