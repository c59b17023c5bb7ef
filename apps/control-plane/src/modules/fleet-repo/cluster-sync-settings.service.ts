import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/role.js';
import { Cluster } from '../clusters/cluster.entity.js';
import { DesiredStateService } from './desired-state.service.js';
import type { UpdateClusterSync } from './dto/update-cluster-sync.input.js';
import { FleetRepoException, FleetRepoExceptionCode } from './fleet-repo.exception.js';

/** Operator changes to a cluster's sync settings and "sync now"; both republish its desired state. */
@Injectable()
export class ClusterSyncSettingsService {
  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly desired: DesiredStateService,
  ) {}

  async update(actor: Actor, input: UpdateClusterSync): Promise<Cluster> {
    const cluster = await this.db.transaction(async (m) => {
      const before = await this.lockActive(m, input.id);
      const change: Partial<Cluster> = {};
      if (input.path !== undefined && input.path !== null) change.syncPath = input.path === '' ? null : input.path;
      if (input.prune !== undefined && input.prune !== null) change.prune = input.prune;
      if (input.selfHeal !== undefined && input.selfHeal !== null) change.selfHeal = input.selfHeal;
      change.desiredUpdatedAt = new Date();
      await m.update(Cluster, { id: input.id }, change);
      const after = { ...before, ...change };
      await this.audit.record(m, actor, {
        action: 'cluster.updateSync',
        targetType: 'Cluster',
        targetId: input.id,
        details: { name: before.name, from: this.settings(before), to: this.settings(after) },
      });
      return after;
    });
    await this.desired.publishQuietly(cluster.id);
    return cluster;
  }

  /** Republishes the desired state with a new updatedAt, which makes the agent reconcile now. */
  async syncNow(actor: Actor, id: string): Promise<Cluster> {
    const cluster = await this.db.transaction(async (m) => {
      const c = await this.lockActive(m, id);
      if (!c.desiredRevision) {
        throw new FleetRepoException(
          `cluster ${c.name} has no desired revision yet: the fleet repository has not been read`,
          FleetRepoExceptionCode.NoRevision,
          'id',
        );
      }
      c.desiredUpdatedAt = new Date();
      await m.update(Cluster, { id }, { desiredUpdatedAt: c.desiredUpdatedAt });
      await this.audit.record(m, actor, {
        action: 'cluster.sync',
        targetType: 'Cluster',
        targetId: id,
        details: { name: c.name, revision: c.desiredRevision },
      });
      return c;
    });
    await this.desired.publishQuietly(id);
    return cluster;
  }

  private settings(c: Cluster) {
    return { path: this.desired.pathOf(c), prune: c.prune, selfHeal: c.selfHeal };
  }

  private async lockActive(m: EntityManager, id: string): Promise<Cluster> {
    const row = await m
      .createQueryBuilder(Cluster, 'c')
      .where('c.id = :id AND c.deregistered_at IS NULL', { id })
      .setLock('pessimistic_write')
      .getOne();
    if (!row)
      throw new FleetRepoException(`no registered cluster with id ${id}`, FleetRepoExceptionCode.NotFound, 'id');
    return row;
  }
}
