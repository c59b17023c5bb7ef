/**
 * The rollout engine: every tick (ROLLOUT_TICK_MS) or when a sync report arrives, each active
 * rollout is advanced by the pure machine (libs/gitops advanceRollout) inside one transaction
 * that holds its row lock (FOR UPDATE SKIP LOCKED: with two replicas exactly one drives a
 * rollout at a time) and writes the new state, the cluster pins and the audit events together.
 * Desired state is published after commit; at boot every pin of an active rollout is published
 * again, so a crash between commit and publish loses nothing and no wave is skipped or repeated.
 * A replica that goes on driving a rollout another replica pinned (that one may have died between
 * its commit and its publish) publishes those pins once too: each replica remembers the pins it
 * published, by cluster and pin time.
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
  /** Per active rollout, the pins (`<cluster>@<pinnedAt>`) this replica has published. */
  private readonly published = new Map<string, Set<string>>();

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
    const active = await activeRolloutIds(this.db.manager);
    for (const id of this.published.keys()) if (!active.includes(id)) this.published.delete(id);
    for (const id of active) await this.step(id);
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
    await this.publishUnseen(id, result.state, result.pinned);
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

  /**
   * Publishes the pins of `state` this replica has not published itself (those another replica
   * committed), and remembers them; the first call for a rollout publishes all its pins.
   */
  private async publishUnseen(id: string, state: RolloutState, justPublished: readonly string[] = []): Promise<void> {
    const seen = this.published.get(id) ?? new Set<string>();
    this.published.set(id, seen);
    const just = new Set(justPublished);
    const unseen = pinnedClusters(state).filter((c) => {
      const key = `${c.id}@${c.pinnedAt}`;
      if (just.has(c.id)) seen.add(key);
      return !seen.has(key);
    });
    if (!unseen.length) return;
    await this.publishAll(unseen.map((c) => c.id));
    for (const c of unseen) seen.add(`${c.id}@${c.pinnedAt}`);
  }

  /** Publishes the desired state of every cluster an active rollout pinned (idempotent). */
  async republishPins(): Promise<void> {
    const rows = (await this.db.query(
      `SELECT id, state FROM rollouts WHERE phase IN ('Running', 'Paused', 'RollingBack')`,
    )) as { id: string; state: RolloutState }[];
    for (const { id, state } of rows) await this.publishUnseen(id, state);
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.off?.();
    clearTimeout(this.timer);
    await this.running;
  }
}
