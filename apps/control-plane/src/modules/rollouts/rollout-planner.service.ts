/**
 * From a new commit to a rollout. When the tracked branch head moves, the planner checks the
 * signed-commit policy (git/commit-policy.service.ts: unsigned, untrusted, tampered or not built on
 * what was accepted → a Rejected rollout with the reason; nothing moves), reads fleet.yaml
 * at the head (invalid → a Rejected rollout carrying file, line and reason; nothing moves),
 * computes the affected clusters (render digest at the revision each runs vs the head), moves the
 * unaffected ones straight to the head, and creates a Running rollout of the affected ones in
 * waves; the engine then pins wave by wave.
 *
 * Supersede rule: a newer head supersedes every Running or Paused rollout (it ends Superseded) and
 * the new rollout compares each cluster against the revision it is pinned to now — clusters the old
 * rollout pinned are re-pinned by the new one or moved to the head, so none stays on a revision
 * no rollout owns. While a rollout is RollingBack the newer head waits (it is handled on a later
 * poll), and the revert commit itself only moves the clusters the rollback does not own.
 */
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import {
  computeAffected,
  createRolloutState,
  FleetPolicyError,
  loadFleetPolicy,
  pinnedClusters,
  planWaves,
  supersedeRollout,
  type FleetPolicy,
  type RolloutState,
} from '@flotilla/gitops';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DesiredStateService, type HeadOutcome } from '../fleet-repo/desired-state.service.js';
import { CommitPolicy } from './git/commit-policy.service.js';
import { FleetSource } from './git/fleet-source.js';
import { RolloutEngine } from './rollout-engine.service.js';
import { RolloutEvents, SystemActors } from './rollout-events.js';
import { insertRollout, lockRollout, pinClusters, REJECTED, saveState } from './rollout-store.js';
import { PARTICIPATING } from '../clusters/cluster.entity.js';
import { HydrationError } from '../hydration/hydrator.js';
import { HydrationService } from '../hydration/hydration.service.js';

interface ClusterRow {
  id: string;
  name: string;
  tags: string[];
  sync_path: string | null;
  desired_revision: string | null;
}

@Injectable()
export class RolloutPlanner implements OnModuleInit {
  private readonly logger = new Logger(RolloutPlanner.name);
  /** Who announced a revision (a webhook), so its rollout is audited with that actor instead of the poller. */
  private readonly announced = new Map<string, { id: string; name: string }>();

  constructor(
    private readonly db: DataSource,
    private readonly source: FleetSource,
    private readonly desired: DesiredStateService,
    private readonly audit: AuditService,
    private readonly engine: RolloutEngine,
    private readonly events: RolloutEvents,
    private readonly policy: CommitPolicy,
    private readonly hydration: HydrationService,
  ) {}

  onModuleInit(): void {
    this.desired.setHeadHandler((head) => this.onHead(head));
    this.desired.setPolicyView({ ignoreRulesAt: async (revision) => (await this.policyAt(revision)).ignore ?? [] });
  }

  /** fleet.yaml at a source revision, remembered for the last few revisions (one publish per cluster reads it). */
  private readonly policies = new Map<string, Promise<FleetPolicy>>();
  private policyAt(revision: string): Promise<FleetPolicy> {
    let p = this.policies.get(revision);
    if (!p) {
      p = this.source.treeAt(revision).then(loadFleetPolicy);
      p.catch(() => this.policies.delete(revision));
      if (this.policies.size >= 16) this.policies.delete(this.policies.keys().next().value!);
      this.policies.set(revision, p);
    }
    return p;
  }

  /** Called by the webhook before it polls: the rollout of `revision` names this actor. */
  announce(revision: string, actor: { id: string; name: string }): void {
    this.announced.set(revision, actor);
    if (this.announced.size > 100) this.announced.delete(this.announced.keys().next().value as string);
  }

  clusters(m: EntityManager): Promise<ClusterRow[]> {
    return m.query(
      `SELECT id, name, tags, sync_path, desired_revision FROM clusters WHERE ${PARTICIPATING} ORDER BY name`,
    ) as Promise<ClusterRow[]>;
  }

  /** The head hook (DesiredStateService.assignRevisions): the clusters moved straight to the head, and whether it was accepted. */
  async onHead(head: string): Promise<HeadOutcome> {
    const result = await this.db.transaction(async (m) => {
      // One planner at a time across replicas; a head already handled is a no-op.
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('flotilla.rollouts.head'))`);
      const [known] = (await m.query(
        `SELECT id, phase FROM rollouts WHERE revision = $1 AND trigger = 'commit' ORDER BY created_at DESC LIMIT 1`,
        [head],
      )) as { id: string; phase: string }[];
      if (known?.phase === REJECTED) return { moved: [] as string[], accepted: false };
      const [revert] = (await m.query(`SELECT id, state FROM rollouts WHERE rollback_revision = $1 LIMIT 1`, [
        head,
      ])) as { id: string; state: RolloutState }[];
      if (revert)
        return {
          moved: await this.moveOthers(
            m,
            head,
            pinnedClusters(revert.state).map((c) => c.id),
            revert.id,
          ),
          accepted: true,
        };
      if (known) {
        // A head handled before: under the signed-commit policy, a force-push back to it is refused.
        const rewound = await this.policy.descentRefusal(head, await this.acceptedRevisions(m));
        return rewound
          ? this.reject(m, head, rewound.reason, { ...rewound })
          : { moved: [] as string[], accepted: true };
      }
      const [rollingBack] = (await m.query(`SELECT id FROM rollouts WHERE phase = 'RollingBack' LIMIT 1`)) as {
        id: string;
      }[];
      if (rollingBack) return { moved: [] as string[], accepted: false };
      const refused = await this.policy.refusal(head, await this.acceptedRevisions(m));
      if (refused) return this.reject(m, head, refused.reason, { ...refused });
      return this.plan(m, head);
    });
    if ('rolloutId' in result) {
      this.events.publish('rolloutProgress', { rolloutId: result.rolloutId as string });
      void this.engine.kick();
    }
    return { moved: result.moved, accepted: result.accepted };
  }

  /**
   * The revert commit: every cluster the rollback does not own moves to it (its render is
   * unchanged for them) — except clusters a later rollout (e.g. a startRollout by tag) has pinned
   * since: the head stays the revert commit, and this runs on every poll.
   */
  private async moveOthers(
    m: EntityManager,
    head: string,
    rollbackOwned: string[],
    rollbackId: string,
  ): Promise<string[]> {
    const rows = (await m.query(
      `UPDATE clusters SET desired_revision = $1, desired_updated_at = now()
        WHERE ${PARTICIPATING} AND desired_revision IS DISTINCT FROM $1 AND NOT (id = ANY($2::uuid[]))
          AND NOT EXISTS (SELECT 1 FROM rollout_clusters rc JOIN rollouts r ON r.id = rc.rollout_id
                           WHERE rc.cluster_id = clusters.id AND r.created_at > (SELECT created_at FROM rollouts WHERE id = $3))
        RETURNING id`,
      [head, rollbackOwned, rollbackId],
    )) as [{ id: string }[], number];
    return rows[0].map((r) => r.id);
  }

  /**
   * Commits a new head must descend from under the signed-commit policy: every revision a cluster
   * is assigned, and the last head that was accepted (and its revert commit, if it was rolled back).
   */
  private async acceptedRevisions(m: EntityManager): Promise<string[]> {
    if (!this.policy.enabled) return [];
    const rows = (await m.query(
      `SELECT DISTINCT desired_revision AS revision FROM clusters WHERE deregistered_at IS NULL AND desired_revision IS NOT NULL
       UNION SELECT unnest(ARRAY[revision, rollback_revision]) FROM (SELECT revision, rollback_revision FROM rollouts WHERE trigger = 'commit' AND phase <> $1 ORDER BY created_at DESC LIMIT 1) last`,
      [REJECTED],
    )) as { revision: string | null }[];
    return rows.map((r) => r.revision).filter((r): r is string => !!r);
  }

  /** A Rejected rollout of `head` with the reason: nothing moves, and later polls of the same head are no-ops. */
  private async reject(
    m: EntityManager,
    head: string,
    reason: string,
    error: Record<string, unknown>,
    policyError?: { file: string; line?: number; reason: string },
  ): Promise<{ moved: string[]; rolloutId: string; accepted: boolean }> {
    const id = randomUUID();
    const actor = this.announced.get(head) ?? SystemActors.git;
    const now = Date.now();
    const state = {
      ...createRolloutState({ id, revision: head, onFailure: 'pause', plan: { waves: [], unassigned: [] }, now }),
      finishedAt: now,
      reason,
    };
    await insertRollout(m, {
      state,
      trigger: 'commit',
      actor,
      phase: REJECTED,
      reason,
      ...(policyError ? { policyError } : {}),
    });
    await this.audit.record(m, actor, {
      action: 'rollout.reject',
      targetType: 'Rollout',
      targetId: id,
      details: { revision: head, error },
    });
    this.logger.warn(`commit ${head}: rejected, no rollout started: ${reason}`);
    return { moved: [], rolloutId: id, accepted: false };
  }

  private async plan(
    m: EntityManager,
    head: string,
  ): Promise<{ moved: string[]; rolloutId: string; accepted: boolean }> {
    const id = randomUUID();
    const actor = this.announced.get(head) ?? SystemActors.git;
    const now = Date.now();
    let policy;
    try {
      policy = await loadFleetPolicy(await this.source.treeAt(head));
    } catch (e) {
      if (!(e instanceof FleetPolicyError)) throw e;
      return this.reject(m, head, e.message, e.toJSON().data, e.toJSON().data);
    }
    // Hydration: render every cluster at the head into the rendered branch first; bad input (a chart
    // that fails, a missing chart, bad values, a repository down) rejects the head, nothing moves.
    let rendered: string | undefined;
    if (this.hydration.enabled) {
      try {
        rendered = await this.hydration.hydrate(m, head);
      } catch (e) {
        if (!(e instanceof HydrationError)) throw e;
        return this.reject(m, head, e.message, { cluster: e.cluster, code: e.code, ...e.data });
      }
    }
    const superseded: string[] = [];
    for (const { id: old } of (await m.query(
      `SELECT id FROM rollouts WHERE phase IN ('Running', 'Paused') ORDER BY created_at`,
    )) as { id: string }[]) {
      const row = await lockRollout(m, old, true);
      if (!row) continue;
      await saveState(m, supersedeRollout(row.state, head, now));
      await this.audit.record(m, actor, {
        action: 'rollout.supersede',
        targetType: 'Rollout',
        targetId: old,
        details: { revision: row.revision, by: head, byRollout: id },
      });
      superseded.push(old);
    }
    const clusters = await this.clusters(m);
    const affected = rendered
      ? await this.hydration.affected(m, rendered)
      : await computeAffected({
          clusters: clusters.map((c) => ({
            id: c.id,
            path: this.desired.pathOf({ name: c.name, syncPath: c.sync_path }),
            revision: c.desired_revision ?? undefined,
          })),
          target: head,
          treeAt: (rev) => this.source.treeAt(rev),
          changedPaths: (a, b) => this.source.changedPaths(a, b),
          memo: this.source.renderMemo,
        });
    const byId = new Map(clusters.map((c) => [c.id, c]));
    const plan = planWaves(
      policy,
      affected.affected.map((cid) => byId.get(cid)!).map((c) => ({ id: c.id, name: c.name, tags: c.tags })),
    );
    // What the affected clusters ran: a push of several commits is rolled back as a whole.
    const bases = new Set(
      affected.affected.map((cid) => byId.get(cid)!.desired_revision).filter((r): r is string => !!r),
    );
    const baseRevision = bases.size === 1 ? [...bases][0] : undefined;
    const state = {
      ...createRolloutState({ id, revision: head, onFailure: policy.onFailure, plan, now }),
      ...(baseRevision ? { baseRevision } : {}),
    };
    await insertRollout(m, { state, trigger: 'commit', actor });
    const moved = await pinClusters(m, affected.unaffected, head);
    await this.audit.record(m, actor, {
      action: 'rollout.start',
      targetType: 'Rollout',
      targetId: id,
      details: {
        revision: head,
        policy: policy.source,
        waves: plan.waves.map((w) => ({ name: w.name, clusters: w.clusterIds.length })),
        affected: affected.affected.length,
        unaffectedMoved: moved.length,
        unassigned: plan.unassigned,
        superseded,
      },
    });
    this.logger.log(
      `commit ${head.slice(0, 12)}: rollout ${id} over ${affected.affected.length} cluster(s) in ${plan.waves.length} wave(s); ${moved.length} unaffected moved`,
    );
    return { moved, rolloutId: id, accepted: true };
  }
}
