/** Keeps agent messages ingest gave up on in dead_letters, and counts them by reason. */
import { Injectable } from '@nestjs/common';
import { subjects } from '@flotilla/protocol';
import { DataSource } from 'typeorm';
import { MetricsService } from '../health/metrics.service.js';

/** Payload bytes kept per dead letter; its real size is kept beside it. */
export const DEAD_LETTER_PAYLOAD_BYTES = 64 * 1024;
const DETAIL_CHARS = 2048;

export interface DeadLetter {
  subject: string;
  data: Uint8Array;
  reason: string;
  detail: string;
  deliveries: number;
  receivedAt: Date;
}

/** Text PostgreSQL can store: NULs and lone surrogates become U+FFFD. */
// eslint-disable-next-line no-control-regex
const printable = (s: string) => s.replace(/\u0000|[\uD800-\uDFFF]/gu, '\uFFFD').slice(0, DETAIL_CHARS);

@Injectable()
export class DeadLetterWriter {
  constructor(
    private readonly db: DataSource,
    private readonly metrics: MetricsService,
  ) {}

  async write(letters: DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    const params: unknown[] = [];
    const rows = letters.map((l) => {
      const values = [
        printable(l.subject),
        subjects.parseAgent(l.subject)?.clusterId ?? null,
        l.reason,
        printable(l.detail),
        Buffer.from(l.data.subarray(0, DEAD_LETTER_PAYLOAD_BYTES)),
        l.data.length,
        l.deliveries,
        l.receivedAt,
      ];
      const start = params.length;
      params.push(...values);
      return `(${values.map((_, i) => `$${start + i + 1}`).join(', ')})`;
    });
    await this.db.query(
      `INSERT INTO dead_letters (subject, cluster_id, reason, detail, payload, payload_bytes, deliveries, received_at)
       VALUES ${rows.join(', ')}`,
      params,
    );
    for (const l of letters) this.metrics.agentMessagesDeadLettered.inc({ reason: l.reason });
  }
}
