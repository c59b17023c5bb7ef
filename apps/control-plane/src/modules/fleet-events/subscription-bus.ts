/**
 * What GraphQL subscriptions listen to, across every control-plane replica on one database.
 *
 * An event caused on any replica (a report ingested, a rollout step, a cluster going offline)
 * becomes a small notice — ids only — sent with PostgreSQL NOTIFY on one channel; every replica
 * LISTENs and hands the notices it hears (its own included) to its subscribers, which load the
 * current state by id. So a subscriber gets the same events whichever replica it is connected
 * to. Notices are gathered for NOTICE_FLUSH_MS and sent as one JSON array (under PostgreSQL's
 * 8000-byte payload limit), one query per flush however busy ingest is.
 *
 * Delivery is at most once, as a subscription is: notices sent while a replica's LISTEN
 * connection is down are not replayed (the connection comes back by itself); in-process
 * listeners that must act once per cause (alerts) stay on FleetEvents, on the replica that
 * caused the event.
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { databaseSettings, pgConnection } from '../../database/pg-connection.js';
import { FleetEvents } from './fleet-events.js';
import { PgChannel, MAX_NOTIFY_BYTES } from '../../common/pg-channel.js';
import { PubSub } from '../../common/pub-sub.js';

export type SubscriptionTopics = {
  clusterStatusChanged: { clusterId: string };
  driftDetected: { id: string; clusterId: string };
  rolloutProgress: { rolloutId: string };
};
type Topic = keyof SubscriptionTopics;
type Notice = { [K in Topic]: [K, SubscriptionTopics[K]] }[Topic];

export const SUBSCRIPTION_CHANNEL = 'flotilla_subscription_events';
export const NOTICE_FLUSH_MS = 20;
const TOPICS: readonly Topic[] = ['clusterStatusChanged', 'driftDetected', 'rolloutProgress'];
const ID = /^[A-Za-z0-9-]{1,64}$/;

/** A notice as it arrives from another replica: checked, since anyone with database access can NOTIFY. */
export function parseNotice(value: unknown): Notice | undefined {
  if (!Array.isArray(value) || value.length !== 2) return undefined;
  const [topic, body] = value as [unknown, Record<string, unknown> | null];
  if (typeof topic !== 'string' || !TOPICS.includes(topic as Topic) || typeof body !== 'object' || !body) return;
  const ok = (k: string) => typeof body[k] === 'string' && ID.test(body[k]);
  switch (topic as Topic) {
    case 'clusterStatusChanged':
      return ok('clusterId') ? ['clusterStatusChanged', { clusterId: body.clusterId as string }] : undefined;
    case 'driftDetected':
      return ok('id') && ok('clusterId')
        ? ['driftDetected', { id: body.id as string, clusterId: body.clusterId as string }]
        : undefined;
    case 'rolloutProgress':
      return ok('rolloutId') ? ['rolloutProgress', { rolloutId: body.rolloutId as string }] : undefined;
  }
}

@Injectable()
export class SubscriptionBus
  extends PubSub<SubscriptionTopics>
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(SubscriptionBus.name);
  private readonly channel: PgChannel;
  private pending: string[] = [];
  private flushTimer?: NodeJS.Timeout;
  private sending: Promise<void> = Promise.resolve();

  constructor(db: DataSource, @Inject(CONFIG) config: ControlPlaneConfig, fleet: FleetEvents) {
    super();
    this.channel = new PgChannel(db, {
      connect: () => pgConnection(databaseSettings(config)).client(),
      channel: SUBSCRIPTION_CHANNEL,
      onMessage: (p) => this.heard(p),
    });
    fleet.on('clusterStatusChanged', (e) => this.send('clusterStatusChanged', { clusterId: e.clusterId }));
    fleet.on('driftDetected', (e) => this.send('driftDetected', { id: e.id, clusterId: e.clusterId }));
  }

  onApplicationBootstrap(): Promise<void> {
    return this.channel.start();
  }

  async onApplicationShutdown(): Promise<void> {
    clearTimeout(this.flushTimer);
    await this.flush();
    await this.sending;
    await this.channel.stop();
  }

  /** Queues a notice for every replica (this one included); sent within NOTICE_FLUSH_MS. */
  send<K extends Topic>(topic: K, body: SubscriptionTopics[K]): void {
    this.pending.push(JSON.stringify([topic, body]));
    this.flushTimer ??= setTimeout(() => void this.flush(), NOTICE_FLUSH_MS);
  }

  private flush(): Promise<void> {
    this.flushTimer = undefined;
    const notices = this.pending;
    this.pending = [];
    // Payloads are sent one after another, so notices keep their order.
    this.sending = this.sending.then(async () => {
      for (const payload of pack(notices)) {
        await this.channel
          .notify(payload)
          .catch((e: unknown) => this.logger.warn(`subscription notices lost: ${(e as Error).message}`));
      }
    });
    return this.sending;
  }

  private heard(payload: string): void {
    let list: unknown;
    try {
      list = JSON.parse(payload);
    } catch {
      return;
    }
    if (!Array.isArray(list)) return;
    for (const raw of list) {
      const notice = parseNotice(raw);
      if (notice) this.publish(notice[0], notice[1] as never);
    }
  }
}

/** JSON arrays of notices, each under the NOTIFY limit. */
export function pack(notices: string[]): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  let bytes = 2;
  for (const n of notices) {
    const size = Buffer.byteLength(n) + 1;
    if (cur.length > 0 && bytes + size > MAX_NOTIFY_BYTES) {
      out.push(`[${cur.join(',')}]`);
      cur = [];
      bytes = 2;
    }
    cur.push(n);
    bytes += size;
  }
  if (cur.length > 0) out.push(`[${cur.join(',')}]`);
  return out;
}
