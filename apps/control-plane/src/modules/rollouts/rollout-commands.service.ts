/**
 * Operator commands on rollouts (start by tag, pause, resume, abort, roll back): each runs the
 * pure command under the rollout's row lock, writes state and an AuditEvent naming the actor and
 * the commit SHAs in one transaction, then lets the engine act at once.
 */
import { Injectable } from '@nestjs/common';
import {
  abortRollout,
  computeAffected,
  createRolloutState,
  FleetPolicyError,
  loadFleetPolicy,
  matchesSelector,
  parseFleetPolicy,
  pauseRollout,
  planWaves,
  requestRollback,
  resumeRollout,
  RolloutTransitionError,
  type RolloutState,
  type TagSelector,
} from '@flotilla/gitops';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/role.js';
import { DesiredStateService } from '../fleet-repo/desired-state.service.js';
import { HydrationService } from '../hydration/hydration.service.js';
import { HydrationError } from '../hydration/hydrator.js';
import { CommitPolicy } from './git/commit-policy.service.js';
import { FleetSource } from './git/fleet-source.js';
import { RolloutEngine } from './rollout-engine.service.js';
import { RolloutEvents } from './rollout-events.js';
import { RolloutPlanner } from './rollout-planner.service.js';
import { insertRollout, lockRollout, pinClusters, saveState } from './rollout-store.js';
import { RolloutsException, RolloutsExceptionCode } from './rollouts.exception.js';

export type RolloutCommand = 'pause' | 'resume' | 'abort' | 'rollback';

export interface StartRollout {
  revision: string;
  selector: TagSelector;
  /** fleet.yaml-shaped waves (maxParallel, healthTimeout, soak as in the file); default: fleet.yaml at the revision. */
  waves?: unknown[];
  onFailure?: 'rollback' | 'pause';
}

@Injectable()
export class RolloutCommands {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly engine: RolloutEngine,
    private readonly events: RolloutEvents,
    private readonly source: FleetSource,
    private readonly planner: RolloutPlanner,
    private readonly desired: DesiredStateService,
    private readonly policy: CommitPolicy,
    private readonly hydration: HydrationService,
  ) {}

  /** The revision's rendered commit (hydrated now if it never was); bad input is the caller's error. */
  private async renderedOf(m: EntityManager, revision: string): Promise<string> {
    try {
      return await this.hydration.ensureRendered(m, revision);
    } catch (e) {
      if (e instanceof HydrationError)
        throw new RolloutsException(
          `revision ${revision} does not render: ${e.message}`,
          RolloutsExceptionCode.InvalidInput,
          'input.revision',
        );
      throw e;
    }
  }

  async run(actor: Actor, id: string, command: RolloutCommand, reason?: string): Promise<void> {
    await this.db.transaction(async (m) => {
      const row = await lockRollout(m, id, true);
      if (!row) throw new RolloutsException(`rollout ${id} does not exist`, RolloutsExceptionCode.NotFound, 'id');
      const why = reason ?? `${command} by ${actor.name}`;
      let next: RolloutState;
      try {
        next =
          command === 'pause'
            ? pauseRollout(row.state, why)
            : command === 'resume'
              ? resumeRollout(row.state, Date.now())
              : command === 'abort'
                ? abortRollout(row.state, why, Date.now())
                : requestRollback(row.state, why);
      } catch (e) {
        if (e instanceof RolloutTransitionError || row.phase === 'Rejected')
          throw new RolloutsException(
            e instanceof RolloutTransitionError ? e.message : `cannot ${command} a rejected rollout`,
            RolloutsExceptionCode.Conflict,
            'id',
          );
        throw e;
      }
      await saveState(m, next);
      await this.audit.record(m, actor, {
        action: `rollout.${command}`,
        targetType: 'Rollout',
        targetId: id,
        details: { revision: row.revision, from: row.phase, to: next.phase, reason: why },
      });
    });
    this.events.publish('rolloutProgress', { rolloutId: id });
    void this.engine.kick();
  }

  private async policyFor(input: StartRollout) {
    if (!input.waves) return loadFleetPolicy(await this.source.treeAt(input.revision));
    const doc = JSON.stringify({ ...(input.onFailure ? { onFailure: input.onFailure } : {}), waves: input.waves });
    return parseFleetPolicy(new TextEncoder().encode(doc), 'startRollout.input');
  }

  /**
   * A rollout of `revision` to the clusters matching `selector` only; refused while another rollout
   * is active, and under the signed-commit policy when the revision is not validly signed or is not
   * built on top of what those clusters run.
   */
  async start(actor: Actor, input: StartRollout): Promise<string> {
    try {
      await this.source.treeAt(input.revision);
    } catch {
      throw new RolloutsException(
        `revision ${input.revision} is not in the fleet repository`,
        RolloutsExceptionCode.InvalidInput,
        'input.revision',
      );
    }
    const refused = await this.policy.refusal(input.revision, []);
    if (refused) throw new RolloutsException(refused.reason, RolloutsExceptionCode.InvalidInput, 'input.revision');
    let policy;
    try {
      policy = await this.policyFor(input);
    } catch (e) {
      if (e instanceof FleetPolicyError)
        throw new RolloutsException(
          `invalid waves: ${e.message}`,
          RolloutsExceptionCode.InvalidInput,
          input.waves ? 'input.waves' : 'input.revision',
        );
      throw e;
    }
    const onFailure = input.onFailure ?? policy.onFailure;
    const id = randomUUID();
    const moved = await this.db.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtext('flotilla.rollouts.head'))`);
      const [active] = (await m.query(
        `SELECT id, phase FROM rollouts WHERE phase IN ('Running', 'Paused', 'RollingBack') LIMIT 1`,
      )) as { id: string; phase: string }[];
      if (active)
        throw new RolloutsException(
          `rollout ${active.id} is ${active.phase}: finish, abort or roll it back first`,
          RolloutsExceptionCode.Conflict,
          'input',
        );
      const clusters = (await this.planner.clusters(m)).filter((c) => matchesSelector(c.tags, input.selector));
      const rewound = await this.policy.descentRefusal(
        input.revision,
        clusters.map((c) => c.desired_revision).filter((r): r is string => !!r),
      );
      if (rewound)
        throw new RolloutsException(
          `${rewound.reason}; with the signed-commit policy on, clusters only move forward`,
          RolloutsExceptionCode.InvalidInput,
          'input.revision',
        );
      // With hydration on, what a cluster would run is its folder of the revision's rendered commit.
      const affected = this.hydration.enabled
        ? await this.hydration.affected(
            m,
            await this.renderedOf(m, input.revision),
            clusters.map((c) => c.id),
          )
        : await computeAffected({
            clusters: clusters.map((c) => ({
              id: c.id,
              path: this.desired.pathOf({ name: c.name, syncPath: c.sync_path }),
              revision: c.desired_revision ?? undefined,
            })),
            target: input.revision,
            treeAt: (rev) => this.source.treeAt(rev),
            changedPaths: (a, b) => this.source.changedPaths(a, b),
            memo: this.source.renderMemo,
          });
      const plan = planWaves(
        policy,
        clusters.filter((c) => affected.affected.includes(c.id)),
      );
      const state = createRolloutState({ id, revision: input.revision, onFailure, plan, now: Date.now() });
      await insertRollout(m, { state, trigger: 'manual', actor });
      const pinned = await pinClusters(m, affected.unaffected, input.revision);
      await this.audit.record(m, actor, {
        action: 'rollout.start',
        targetType: 'Rollout',
        targetId: id,
        details: {
          revision: input.revision,
          selector: input.selector,
          waves: plan.waves.map((w) => ({ name: w.name, clusters: w.clusterIds.length })),
          affected: affected.affected.length,
          unaffectedMoved: pinned.length,
        },
      });
      return pinned;
    });
    for (const cid of moved) await this.desired.publishQuietly(cid);
    this.events.publish('rolloutProgress', { rolloutId: id });
    void this.engine.kick();
    return id;
  }
}
