import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { Cluster, PARTICIPATING } from '../clusters/cluster.entity.js';
import { DesiredStateService } from './desired-state.service.js';

const PAGE = 1000;
const IN_FLIGHT = 64;

/**
 * When the hub starts, it makes the desired-state bucket match the database: every participating
 * cluster whose entry is missing, or differs from its desired state in the database (by
 * `updatedAt`), is published again. So a NATS whose JetStream store was lost or replaced (a new
 * NATS cluster, a recreated bucket) hands every agent its desired state without waiting for the
 * next change; with the bucket intact nothing is published. Runs once per boot in the background,
 * a page of clusters at a time, IN_FLIGHT puts at once.
 */
@Injectable()
export class DesiredStateResync implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DesiredStateResync.name);
  private stopped = false;
  private running?: Promise<unknown>;

  constructor(
    private readonly db: DataSource,
    private readonly desired: DesiredStateService,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.FLEET_REPO_URL) return;
    this.running = this.resync().catch((e: unknown) =>
      this.logger.error(`checking the desired-state bucket against the database failed: ${(e as Error).message}`),
    );
  }

  /** Publishes what the bucket lacks; returns how many clusters were checked and how many published. */
  async resync(): Promise<{ checked: number; published: number }> {
    const started = Date.now();
    const inBucket = await this.desired.publishedUpdatedAt();
    let checked = 0;
    let published = 0;
    let failed = 0;
    for (let after = ''; !this.stopped;) {
      const page = await this.db
        .getRepository(Cluster)
        .createQueryBuilder('c')
        .where(PARTICIPATING)
        .andWhere('c.desired_revision IS NOT NULL')
        .andWhere(after ? 'c.id > :after' : 'TRUE', { after })
        .orderBy('c.id')
        .limit(PAGE)
        .getMany();
      if (page.length === 0) break;
      after = page.at(-1)!.id;
      checked += page.length;
      const stale = page.filter((c) => inBucket.get(c.id) !== this.desired.stateOf(c)?.updatedAt);
      for (let i = 0; i < stale.length && !this.stopped; i += IN_FLIGHT)
        await Promise.all(
          stale.slice(i, i + IN_FLIGHT).map(async (c) => {
            try {
              if (await this.desired.publishCluster(c)) published++;
            } catch (error) {
              failed++;
              if (failed === 1) this.logger.error(`re-publishing desired state failed: ${(error as Error).message}`);
            }
          }),
        );
    }
    if (published || failed)
      this.logger.log(
        `desired-state bucket checked against ${checked} cluster(s): ${published} re-published, ${failed} failed (next change or "sync now" retries) in ${Date.now() - started} ms`,
      );
    return { checked, published };
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    await this.running;
  }
}
