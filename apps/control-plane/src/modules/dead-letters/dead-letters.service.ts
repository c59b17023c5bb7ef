import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../common/cursor.util.js';
import { DeadLettersException, DeadLettersExceptionCode } from './dead-letters.exception.js';
import type { DeadLetterConnection, DeadLetterModel } from './models/dead-letter.model.js';

const PREVIEW_BYTES = 4096;

interface Row {
  id: string;
  subject: string;
  cluster_id: string | null;
  reason: string;
  detail: string;
  payload: Buffer;
  payload_bytes: number;
  deliveries: number;
  received_at: Date;
  dead_at: Date;
}

// eslint-disable-next-line no-control-regex
const printable = (b: Buffer) => b.toString('utf8').replace(/\u0000/g, '\uFFFD');

const toModel = (r: Row): DeadLetterModel => ({
  id: r.id,
  subject: r.subject,
  clusterId: r.cluster_id,
  reason: r.reason,
  detail: r.detail,
  payload: printable(r.payload),
  payloadBytes: r.payload_bytes,
  deliveries: r.deliveries,
  receivedAt: r.received_at,
  deadAt: r.dead_at,
});

/** Pages through dead letters, newest first. */
@Injectable()
export class DeadLettersService {
  constructor(private readonly db: DataSource) {}

  async page(first: number, after?: string | null): Promise<DeadLetterConnection> {
    let before: string | null = null;
    if (after) {
      const id = decodeCursor(after);
      if (typeof id !== 'string' || !/^\d+$/.test(id))
        throw new DeadLettersException(
          'after: not a cursor from deadLetters',
          DeadLettersExceptionCode.BadCursor,
          'after',
        );
      before = id;
    }
    const rows = (await this.db.query(
      `SELECT id, subject, cluster_id, reason, detail, substring(payload FROM 1 FOR ${PREVIEW_BYTES}) AS payload,
              payload_bytes, deliveries, received_at, dead_at
         FROM dead_letters WHERE ($1::bigint IS NULL OR id < $1::bigint) ORDER BY id DESC LIMIT $2`,
      [before, first + 1],
    )) as Row[];
    const [{ n }] = (await this.db.query(`SELECT count(*)::int AS n FROM dead_letters`)) as [{ n: number }];
    const edges = rows.slice(0, first).map((r) => ({ cursor: encodeCursor(String(r.id)), node: toModel(r) }));
    return {
      edges,
      pageInfo: { hasNextPage: rows.length > first, endCursor: edges.at(-1)?.cursor ?? null },
      totalCount: n,
    };
  }
}
