/** Turns machine actions into audit events (wave transitions, pause, rollback, end), linked to the commit SHAs. */
import type { RolloutAction, RolloutState } from '@flotilla/gitops';
import type { EntityManager } from 'typeorm';
import type { AuditService } from '../audit/audit.service.js';
import { SystemActors } from './rollout-events.js';

export async function auditActions(
  audit: AuditService,
  m: EntityManager,
  state: RolloutState,
  actions: readonly RolloutAction[],
): Promise<void> {
  const base = { targetType: 'Rollout', targetId: state.id };
  for (const a of actions) {
    const details: Record<string, unknown> = { revision: state.revision, ...a };
    delete details['type'];
    if (a.type === 'pin') continue; // pins are part of the wave transition events
    const action = {
      waveStarted: 'rollout.wave.start',
      wavePassed: 'rollout.wave.pass',
      waveFailed: 'rollout.wave.fail',
      paused: 'rollout.pause',
      rollbackRequested: 'rollout.rollback',
      succeeded: 'rollout.succeed',
      rolledBack: 'rollout.rolledBack',
    }[a.type];
    if (a.type === 'waveStarted')
      details['clusterIds'] = state.waves.find((w) => w.name === a.wave)?.clusters.map((c) => c.id) ?? [];
    if (state.rollbackRevision) details['rollbackRevision'] = state.rollbackRevision;
    await audit.record(m, SystemActors.policy, { ...base, action, details });
  }
}
