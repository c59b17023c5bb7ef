import { Inject, Injectable, Logger } from '@nestjs/common';
import { DataSource, type SelectQueryBuilder } from 'typeorm';
import { decodeCursor, encodeCursor } from '../../common/cursor.util.js';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { AuditService } from '../audit/audit.service.js';
import type { Actor } from '../auth/role.js';
import { DesiredStateService } from '../fleet-repo/desired-state.service.js';
import { CredentialRevoker } from '../nats/credential-revoker.service.js';
import { Admission, Cluster } from './cluster.entity.js';
import { admissionName } from './models/admission.enum.js';
import { ClustersException, ClustersExceptionCode } from './clusters.exception.js';
import { ConnectionState, MISSED_INTERVALS_OFFLINE } from './connection-state.js';
import type { ClustersFilter } from './dto/clusters-filter.input.js';
import type { ConnectionCounts, FleetSummary } from './models/fleet-summary.model.js';

export interface ClusterPage {
  clusters: Cluster[];
  hasNextPage: boolean;
  totalCount: number;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** Reads and changes registered (not deregistered) clusters. */
@Injectable()
export class ClustersService {
  private readonly logger = new Logger(ClustersService.name);
  private readonly offlineAfterSeconds: number;

  constructor(
    private readonly db: DataSource,
    private readonly audit: AuditService,
    private readonly revoker: CredentialRevoker,
    private readonly desired: DesiredStateService,
    @Inject(CONFIG) config: ControlPlaneConfig,
  ) {
    this.offlineAfterSeconds = MISSED_INTERVALS_OFFLINE * config.HEARTBEAT_INTERVAL_SECONDS;
  }

  cursorOf(cluster: Cluster): string {
    return encodeCursor(cluster.name);
  }

  async page(filter: ClustersFilter, first: number, after?: string | null): Promise<ClusterPage> {
    const q = this.filtered(filter);
    const totalCount = await q.clone().getCount();
    if (after) {
      const name = decodeCursor(after);
      if (typeof name !== 'string')
        throw new ClustersException('after: not a cursor from clusters', ClustersExceptionCode.BadCursor, 'after');
      q.andWhere('c.name > :after', { after: name });
    }
    const rows = await q
      .orderBy('c.name', 'ASC')
      .take(first + 1)
      .getMany();
    return { clusters: rows.slice(0, first), hasNextPage: rows.length > first, totalCount };
  }

  async get(by: { id?: string | null; name?: string | null }): Promise<Cluster | null> {
    const q = this.active();
    if (by.id) q.andWhere('c.id = :id', { id: by.id });
    if (by.name) q.andWhere('c.name = :name', { name: by.name });
    return q.getOne();
  }

  async updateTags(actor: Actor, id: string, tags: string[]): Promise<Cluster> {
    return this.db.transaction(async (m) => {
      const before = await this.lockActive(m.createQueryBuilder(Cluster, 'c'), id);
      await m.update(Cluster, { id }, { tags });
      await this.audit.record(m, actor, {
        action: 'cluster.updateTags',
        targetType: 'Cluster',
        targetId: id,
        details: { name: before.name, from: before.tags, to: tags },
      });
      return { ...before, tags };
    });
  }

  /** Marks the cluster deregistered, then has NATS refuse its agent's credentials. */
  async deregister(actor: Actor, id: string): Promise<Cluster> {
    const cluster = await this.db.transaction(async (m) => {
      const cluster = await this.lockActive(m.createQueryBuilder(Cluster, 'c'), id);
      cluster.deregisteredAt = new Date();
      cluster.credentialsRevokedAt = cluster.deregisteredAt;
      await m.update(
        Cluster,
        { id },
        { deregisteredAt: cluster.deregisteredAt, credentialsRevokedAt: cluster.credentialsRevokedAt },
      );
      await this.audit.record(m, actor, {
        action: 'cluster.deregister',
        targetType: 'Cluster',
        targetId: id,
        details: { name: cluster.name },
      });
      return cluster;
    });
    await this.cutOff(cluster, 'deregistered');
    return cluster;
  }

  /** AwaitingApproval → Active: the cluster follows the branch head from now on. */
  async approve(actor: Actor, id: string): Promise<Cluster> {
    const cluster = await this.changeAdmission(actor, id, 'approve', [Admission.AwaitingApproval], Admission.Active);
    await this.desired.publishQuietly(id);
    return cluster;
  }

  /** Active or AwaitingApproval → Suspended: its credentials are revoked now and renewals refused. */
  async suspend(actor: Actor, id: string): Promise<Cluster> {
    const cluster = await this.changeAdmission(
      actor,
      id,
      'suspend',
      [Admission.Active, Admission.AwaitingApproval],
      Admission.Suspended,
    );
    await this.cutOff(cluster, 'suspended');
    return cluster;
  }

  /** Suspended → Active. Credentials issued before the suspension stay revoked: the agent renews. */
  async resume(actor: Actor, id: string): Promise<Cluster> {
    const cluster = await this.changeAdmission(actor, id, 'resume', [Admission.Suspended], Admission.Active);
    await this.desired.publishQuietly(id);
    return cluster;
  }

  private async changeAdmission(
    actor: Actor,
    id: string,
    verb: 'approve' | 'suspend' | 'resume',
    from: Admission[],
    to: Admission,
  ): Promise<Cluster> {
    const action = `cluster.${verb}`;
    return this.db.transaction(async (m) => {
      const cluster = await this.lockActive(m.createQueryBuilder(Cluster, 'c'), id);
      if (!from.includes(cluster.admission)) {
        const need = from.map(admissionName).join(' or ');
        throw new ClustersException(
          `cluster ${cluster.name} is ${admissionName(cluster.admission)}; only a ${need} cluster can be ${verb}d`,
          ClustersExceptionCode.WrongAdmission,
          'id',
        );
      }
      const change: Partial<Cluster> = { admission: to };
      if (to === Admission.Suspended) change.credentialsRevokedAt = new Date();
      if (cluster.admission === Admission.AwaitingApproval && to === Admission.Active)
        Object.assign(change, { approvedAt: new Date(), approvedBy: actor.id });
      // Joining (again): follow the branch head, like a newly registered cluster.
      if (to === Admission.Active)
        Object.assign(change, {
          desiredRevision: this.desired.currentHead ?? cluster.desiredRevision,
          desiredUpdatedAt: new Date(),
        });
      await m.update(Cluster, { id }, change);
      await this.audit.record(m, actor, {
        action,
        targetType: 'Cluster',
        targetId: id,
        details: { name: cluster.name, from: cluster.admission, to },
      });
      return Object.assign(cluster, change);
    });
  }

  /** Revokes the agent's NATS credentials on the server and withdraws its desired state. */
  private async cutOff(cluster: Cluster, why: string): Promise<void> {
    const id = cluster.id;
    await this.revoker
      .sync()
      .catch((e: unknown) =>
        this.logger.error(
          `cluster ${id} ${why}, but revoking its NATS credentials failed (retried every 30 s and on reconnect): ${(e as Error).message}`,
        ),
      );
    await this.desired
      .remove(id)
      .catch((e: unknown) =>
        this.logger.error(`cluster ${id} ${why}, but deleting its desired state failed: ${(e as Error).message}`),
      );
  }

  async summary(): Promise<FleetSummary> {
    const counts = `count(*)::int AS total,
      count(*) FILTER (WHERE last_seen_at >= now() - make_interval(secs => $1))::int AS online,
      count(*) FILTER (WHERE last_seen_at < now() - make_interval(secs => $1))::int AS offline,
      count(*) FILTER (WHERE last_seen_at IS NULL)::int AS pending`;
    const [clusters] = (await this.db.query(`SELECT ${counts} FROM clusters WHERE deregistered_at IS NULL`, [
      this.offlineAfterSeconds,
    ])) as ConnectionCounts[];
    const byTag = (await this.db.query(
      `SELECT t.tag, ${counts} FROM clusters, unnest(tags) AS t(tag) WHERE deregistered_at IS NULL GROUP BY t.tag ORDER BY t.tag`,
      [this.offlineAfterSeconds],
    )) as FleetSummary['byTag'];
    return { clusters: clusters!, byTag };
  }

  private active(): SelectQueryBuilder<Cluster> {
    return this.db.getRepository(Cluster).createQueryBuilder('c').where('c.deregistered_at IS NULL');
  }

  private async lockActive(q: SelectQueryBuilder<Cluster>, id: string): Promise<Cluster> {
    const row = await q.where('c.id = :id AND c.deregistered_at IS NULL', { id }).setLock('pessimistic_write').getOne();
    if (!row) throw new ClustersException(`no registered cluster with id ${id}`, ClustersExceptionCode.NotFound, 'id');
    return row;
  }

  private filtered(filter: ClustersFilter): SelectQueryBuilder<Cluster> {
    const q = this.active();
    if (filter.admission) q.andWhere('c.admission = :admission', { admission: filter.admission });
    if (filter.tags?.length) q.andWhere('c.tags @> :tags::text[]', { tags: filter.tags });
    if (filter.search) {
      q.andWhere("(c.name ILIKE :s ESCAPE '\\' OR c.provider ILIKE :s ESCAPE '\\' OR c.region ILIKE :s ESCAPE '\\')", {
        s: `%${escapeLike(filter.search)}%`,
      });
    }
    const offline = `now() - make_interval(secs => ${Number(this.offlineAfterSeconds)})`;
    if (filter.connection === ConnectionState.Pending) q.andWhere('c.last_seen_at IS NULL');
    if (filter.connection === ConnectionState.Online) q.andWhere(`c.last_seen_at >= ${offline}`);
    if (filter.connection === ConnectionState.Offline) q.andWhere(`c.last_seen_at < ${offline}`);
    return q;
  }
}
