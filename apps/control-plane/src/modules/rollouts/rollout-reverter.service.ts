/**
 * Makes the revert commit of a rolling-back rollout and records it. The commit message names the
 * rollout, the failing clusters and the reason, and ends with a `Flotilla-Rollout: <id>` trailer:
 * after a crash between push and record, the commit is found again by that trailer instead of
 * being made twice. A refused push pauses the rollout with the reason. The commit is signed with
 * FLEET_SIGNING_KEY_FILE when set; with the signed-commit policy on and no signing key, the rollout
 * pauses instead of pushing a commit agents would refuse.
 */
import { Injectable, Logger } from '@nestjs/common';
import { pauseRollout, setRollbackRevision, type RolloutState } from '@flotilla/gitops';
import * as fs from 'node:fs';
import git from 'isomorphic-git';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { CommitPolicy } from './git/commit-policy.service.js';
import { FleetSource } from './git/fleet-source.js';
import { RolloutEvents, SystemActors } from './rollout-events.js';
import { lockRollout, saveState } from './rollout-store.js';

export function revertMessage(state: RolloutState): string {
  const failing = state.failedClusterIds?.length ? state.failedClusterIds.join(', ') : 'none (rollback on demand)';
  return [
    `Revert ${state.revision.slice(0, 12)}: rollback of rollout ${state.id}`,
    '',
    `Failing clusters: ${failing}`,
    `Reason: ${state.reason ?? 'rollback requested'}`,
    '',
    `Flotilla-Rollout: ${state.id}`,
    '',
  ].join('\n');
}

@Injectable()
export class RolloutReverter {
  private readonly logger = new Logger(RolloutReverter.name);

  constructor(
    private readonly db: DataSource,
    private readonly source: FleetSource,
    private readonly audit: AuditService,
    private readonly events: RolloutEvents,
    private readonly policy: CommitPolicy,
  ) {}

  /** Finds a revert commit already pushed for this rollout (by its trailer) on the branch. */
  private async findExisting(rolloutId: string): Promise<string | undefined> {
    const head = await this.source.fetch();
    const log = await git.log({ fs, gitdir: this.source.gitdir, ref: head, depth: 200 }).catch(() => []);
    return log.find((c) => c.commit.message.includes(`Flotilla-Rollout: ${rolloutId}`))?.oid;
  }

  /** True when the rollout now has its revert commit (the caller advances it at once). */
  async revert(id: string): Promise<boolean> {
    const outcome = await this.db.transaction(async (m) => {
      const row = await lockRollout(m, id);
      if (!row || row.phase !== 'RollingBack' || row.state.rollbackRevision) return 'skip' as const;
      const state = row.state;
      let revision = await this.findExisting(id).catch(() => undefined);
      let paths: string[] = [];
      let parent: string | undefined;
      if (!revision) {
        const signer = this.policy.signer;
        const result =
          this.policy.enabled && !signer
            ? {
                ok: false as const,
                reason:
                  'the signed-commit policy is on (FLEET_TRUSTED_KEYS_FILE) but FLEET_SIGNING_KEY_FILE is not set, and agents refuse an unsigned revert commit; revert the change with a signed commit, or set FLEET_SIGNING_KEY_FILE',
              }
            : await this.source.writer.revert({
                badRevision: state.revision,
                ...(state.baseRevision ? { baseRevision: state.baseRevision } : {}),
                message: revertMessage(state),
                ...(signer ? { sign: (payload: string) => signer.sign(payload) } : {}),
              });
        if (!result.ok) {
          const paused = pauseRollout(state, `rollback could not be committed: ${result.reason}`);
          await saveState(m, paused);
          await this.audit.record(m, SystemActors.policy, {
            action: 'rollout.pause',
            targetType: 'Rollout',
            targetId: id,
            details: { revision: state.revision, reason: paused.reason },
          });
          this.logger.warn(`rollout ${id}: ${paused.reason}`);
          return 'paused' as const;
        }
        ({ revision, paths, parent } = result);
      }
      await saveState(m, setRollbackRevision(state, revision));
      await this.audit.record(m, SystemActors.policy, {
        action: 'rollout.revertCommit',
        targetType: 'Rollout',
        targetId: id,
        details: {
          revision: state.revision,
          rollbackRevision: revision,
          parent,
          paths,
          failedClusterIds: state.failedClusterIds ?? [],
        },
      });
      this.logger.log(`rollout ${id}: revert commit ${revision} pushed`);
      return 'committed' as const;
    });
    if (outcome !== 'skip') this.events.publish('rolloutProgress', { rolloutId: id });
    return outcome === 'committed';
  }
}
