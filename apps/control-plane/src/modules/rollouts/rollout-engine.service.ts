/**
 * The rollout engine: every tick (ROLLOUT_TICK_MS) or when a sync report arrives, each active
 * rollout is advanced by the pure machine (libs/gitops advanceRollout) inside one transaction
 * that holds its row lock (FOR UPDATE SKIP LOCKED: with two replicas exactly one drives a
 * rollout at a time) and writes the new state, the cluster pins and the audit events together.
 * Desired state is published after commit; at boot every pin of an active rollout is published
 * again, so a crash between commit and publish loses nothing and no wave is skipped or repeated.
 * A revert commit the engine pushed is handed to the head hook at once (the other clusters move to
 * it without waiting for the next poll).
 */
import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { advanceRollout, pinnedClusters, type RolloutAction, type RolloutState } from '@flotilla/gitops';
import { DataSource } from 'typeorm';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { AuditService } from '../audit/audit.service.js';
import { FleetEvents } from '../fleet-events/fleet-events.js';
import { DesiredStateService } from '../fleet-repo/desired-state.service.js';
import { auditActions } from './rollout-audit.js';
import { RolloutEvents } from './rollout-events.js';
import { RolloutReverter } from './rollout-reverter.service.js';
import { activeRolloutIds, lockRollout, observe, pinClusters, saveState } from './rollout-store.js';

export const ROLLOUT_TICK_MS = 1000;

@Injectable()
export class RolloutEngine implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RolloutEngine.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;
  private off?: () => void;

  constructor(
    private readonly db: DataSource,
    private readonly desired: DesiredStateService,
    private readonly audit: AuditService,
    private readonly reverter: RolloutReverter,
    private readonly events: RolloutEvents,
    private readonly fleetEvents: FleetEvents,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.republishPins().catch((e: unknown) =>
      this.logger.error(`republishing rollout pins failed: ${(e as Error).message}`),
    );
    this.off = this.fleetEvents.on('syncReported', () => this.kick());
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.kick().finally(() => this.schedule()), ROLLOUT_TICK_MS);
  }

  /** Runs a tick now (or right after the running one). */
  kick(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.tick()
      .catch((e: unknown) => this.logger.error(`rollout tick failed: ${(e as Error).message}`))
      .finally(() => {
        this.running = undefined;
        if (this.again && !this.stopped) {
          this.again = false;
          void this.kick();
        }
      });
    return this.running;
  }

  private async tick(): Promise<void> {
    for (const id of await activeRolloutIds(this.db.manager)) await this.step(id);
  }

  /** Advances one rollout under its row lock; a rollout another replica holds is skipped. */
  async step(id: string): Promise<void> {
    const offlineAfterMs = this.config.HEARTBEAT_INTERVAL_SECONDS * 3000;
    const result = await this.db.transaction(async (m) => {
      const row = await lockRollout(m, id);
      if (!row || !['Running', 'RollingBack'].includes(row.phase)) return undefined;
      const state = row.state;
      if (state.phase === 'RollingBack' && !state.rollbackRevision) return { state, pinned: [], needsRevert: true };
      const ids = state.waves.flatMap((w) => w.clusters.map((c) => c.id));
      const obs = await observe(m, ids, offlineAfterMs);
      const next = advanceRollout(state, (cid) => obs.get(cid), Date.now());
      const pinned = await this.applyPins(m, next.actions);
      if (!next.actions.length && JSON.stringify(next.state) === JSON.stringify(state))
        return { state, pinned, needsRevert: false };
      await saveState(m, next.state);
      await auditActions(this.audit, m, next.state, next.actions);
      return {
        state: next.state,
        pinned,
        needsRevert: next.state.phase === 'RollingBack' && !next.state.rollbackRevision,
        changed: true,
      };
    });
    if (!result) return;
    await this.publishAll(result.pinned);
    if ('changed' in result) this.events.publish('rolloutProgress', { rolloutId: id });
    if (result.needsRevert && (await this.reverter.revert(id))) {
      await this.step(id);
      await this.headPushed(id);
    }
  }

  /**
   * The hub's own revert commit is the branch head it just pushed: every other cluster moves to it
   * now (the planner's head hook), not at the next poll of the fleet repository.
   */
  private async headPushed(id: string): Promise<void> {
    const [row] = (await this.db.query(`SELECT rollback_revision FROM rollouts WHERE id = $1`, [id])) as {
      rollback_revision: string | null;
    }[];
    if (!row?.rollback_revision) return;
    await this.desired
      .assignRevisions(row.rollback_revision)
      .catch((e: unknown) =>
        this.logger.error(`moving clusters to revert ${row.rollback_revision} failed: ${(e as Error).message}`),
      );
  }

  private async applyPins(m: Parameters<typeof pinClusters>[0], actions: readonly RolloutAction[]): Promise<string[]> {
    const out: string[] = [];
    for (const a of actions) if (a.type === 'pin') out.push(...(await pinClusters(m, a.clusterIds, a.revision)));
    return out;
  }

  /** Publishes desired states 64 at a time (a wave of hundreds of clusters is not published one by one). */
  private async publishAll(ids: readonly string[]): Promise<void> {
    for (let i = 0; i < ids.length; i += 64)
      await Promise.all(ids.slice(i, i + 64).map((cid) => this.desired.publishQuietly(cid)));
  }

  /** Publishes the desired state of every cluster an active rollout pinned (idempotent). */
  async republishPins(): Promise<void> {
    const rows = (await this.db.query(
      `SELECT state FROM rollouts WHERE phase IN ('Running', 'Paused', 'RollingBack')`,
    )) as { state: RolloutState }[];
    await this.publishAll(rows.flatMap(({ state }) => pinnedClusters(state).map((c) => c.id)));
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.off?.();
    clearTimeout(this.timer);
    await this.running;
  }
}
