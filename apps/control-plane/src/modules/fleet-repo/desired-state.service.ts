import { Inject, Injectable, Logger } from '@nestjs/common';
import { KvWatchInclude, Kvm, type KV } from '@nats-io/kv';
import { DESIRED_BUCKET, DesiredState, PROTOCOL_VERSION } from '@flotilla/protocol';
import { DataSource, IsNull } from 'typeorm';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { Admission, Cluster, PARTICIPATING } from '../clusters/cluster.entity.js';
import { NatsService } from '../nats/nats.service.js';
import { ignoreRulesFor, redactUrl, type FleetIgnoreRule } from '@flotilla/gitops';

/**
 * Each cluster's desired state: which revision it should run (the one policy method,
 * `assignRevisions`) and publishing it to the KV bucket the agent reads (key = cluster id).
 */
export interface HeadOutcome {
  /** Clusters whose desired revision changed. */
  moved: string[];
  /** False when the head was rejected (invalid fleet.yaml, signed-commit policy). */
  accepted: boolean;
}

/**
 * Hydration's view of desired state: agents get the rendered branch, the rendered commit of their
 * desired (source) revision, and their cluster's folder in it.
 */
export interface RenderedView {
  branch: string;
  /** The rendered commit of a source revision holding this cluster's folder (hydrated on demand); throws when it cannot be had. */
  renderedOf(source: string, cluster: Pick<Cluster, 'name' | 'syncPath'>): Promise<string>;
  folderOf(cluster: Pick<Cluster, 'name'>): string;
}

/**
 * The fleet policy's view of desired state: the ignore rules of fleet.yaml (`ignore:`) at a source
 * revision. They are fleet settings: taken from the accepted branch head for every cluster (even
 * one a rollout still holds at an older revision), and a head that changes them republishes all.
 */
export interface PolicyView {
  ignoreRulesAt(source: string): Promise<FleetIgnoreRule[]>;
}

@Injectable()
export class DesiredStateService {
  private readonly logger = new Logger(DesiredStateService.name);
  private kvPromise?: Promise<KV>;
  /** The fleet branch head last accepted (a head the rollouts module rejected is not taken). */
  private head: string | undefined;
  /** Clusters whose last publish failed; retried on the next poll. */
  private readonly unpublished = new Set<string>();
  private headHandler?: (head: string) => Promise<HeadOutcome>;
  private rendered?: RenderedView;
  private policy?: PolicyView;

  constructor(
    private readonly db: DataSource,
    private readonly nats: NatsService,
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
  ) {}

  get currentHead(): string | undefined {
    return this.head;
  }

  pathOf(cluster: Pick<Cluster, 'name' | 'syncPath'>): string {
    return cluster.syncPath ?? this.config.FLEET_CLUSTER_PATH_TEMPLATE.replaceAll('{name}', cluster.name);
  }

  /**
   * Which revision goes to which cluster. Until rollouts exist: every active cluster follows
   * the branch head. Returns the clusters whose desired revision changed (already published).
   */
  async assignRevisions(head: string): Promise<string[]> {
    const { moved, accepted } = this.headHandler
      ? await this.headHandler(head)
      : { moved: await this.allToHead(head), accepted: true };
    const ids = [...moved];
    if (accepted) {
      if (this.head !== head && (await this.ignoreRulesChanged(this.head, head)))
        ids.push(...(await this.participating()));
      this.head = head;
      // A cluster that registered while the head was being decided took the head before it (or none).
      ids.push(...(await this.newcomersToHead(head)));
    }
    // 64 at a time: a head that moves a thousand clusters (a revert) is not published one by one.
    const toPublish = [...new Set([...this.unpublished, ...ids])];
    for (let i = 0; i < toPublish.length; i += 64)
      await Promise.all(
        toPublish.slice(i, i + 64).map(async (id) => {
          this.unpublished.delete(id);
          await this.publish(id).catch((e: unknown) => {
            this.unpublished.add(id);
            this.logger.error(
              `publishing desired state of cluster ${id} failed (retried next poll): ${(e as Error).message}`,
            );
          });
        }),
      );
    if (ids.length) this.logger.log(`desired revision ${head.slice(0, 12)} assigned to ${ids.length} cluster(s)`);
    return ids;
  }

  /** Whether fleet.yaml's ignore rules differ between two heads (every cluster then gets them again). */
  private async ignoreRulesChanged(before: string | undefined, after: string): Promise<boolean> {
    if (!this.policy) return false;
    const [a, b] = await Promise.all([
      before ? this.policy.ignoreRulesAt(before).catch(() => undefined) : [],
      this.policy.ignoreRulesAt(after),
    ]);
    return JSON.stringify(a) !== JSON.stringify(b);
  }

  private async participating(): Promise<string[]> {
    const rows = (await this.db.query(
      `SELECT id FROM clusters WHERE ${PARTICIPATING} AND desired_revision IS NOT NULL`,
    )) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /**
   * Seam for the rollouts module: once set, it decides which clusters move when the head moves
   * (it returns the ids whose desired revision it changed, published here, and whether the head
   * was accepted: a rejected head is never handed to newly registered clusters).
   */
  setHeadHandler(handler: (head: string) => Promise<HeadOutcome>): void {
    this.headHandler = handler;
  }

  /** Seam for the hydration module (FLEET_HYDRATION=on): publish rendered commits instead of source ones. */
  setRenderedView(view: RenderedView): void {
    this.rendered = view;
  }

  setPolicyView(view: PolicyView): void {
    this.policy = view;
  }

  /** Participating clusters with no desired revision yet get the accepted head, as registration gives it. */
  private async newcomersToHead(head: string): Promise<string[]> {
    const rows = (await this.db.query(
      `UPDATE clusters SET desired_revision = $1, desired_updated_at = now()
        WHERE ${PARTICIPATING} AND desired_revision IS NULL RETURNING id`,
      [head],
    )) as [{ id: string }[], number];
    return rows[0].map((r) => r.id);
  }

  private async allToHead(head: string): Promise<string[]> {
    const rows = (await this.db.query(
      `UPDATE clusters SET desired_revision = $1, desired_updated_at = now()
        WHERE ${PARTICIPATING} AND desired_revision IS DISTINCT FROM $1 RETURNING id`,
      [head],
    )) as [{ id: string }[], number];
    return rows[0].map((r) => r.id);
  }

  /**
   * Publishes the cluster's desired state; a cluster without a desired revision yet has none to
   * publish, and one that is not Active (awaiting approval, suspended) gets none.
   */
  async publish(clusterId: string): Promise<DesiredState | undefined> {
    const cluster = await this.db
      .getRepository(Cluster)
      .findOneBy({ id: clusterId, deregisteredAt: IsNull(), admission: Admission.Active });
    return cluster ? this.publishCluster(cluster) : undefined;
  }

  /** Publishes the desired state of a participating cluster already read from the database. */
  async publishCluster(cluster: Cluster): Promise<DesiredState | undefined> {
    const clusterId = cluster.id;
    let state = this.stateOf(cluster);
    if (!state) return undefined;
    // Rules name source paths: resolved before hydration swaps in the rendered folder.
    if (this.policy) {
      const { path, revision } = state;
      const ignore = await this.policy
        .ignoreRulesAt(this.head ?? revision)
        .then((rules) => ignoreRulesFor(rules, { path, tags: cluster.tags }))
        .catch(async (e: unknown) => {
          // fleet.yaml unreadable (the repository down after a restart): the rules last published stand.
          this.logger.warn(`ignore rules of cluster ${clusterId} kept as published: ${(e as Error).message}`);
          return this.publishedIgnore(clusterId);
        });
      if (ignore?.length) state = { ...state, ignore };
    }
    if (this.rendered)
      state = {
        ...state,
        branch: this.rendered.branch,
        revision: await this.rendered.renderedOf(state.revision, cluster),
        path: this.rendered.folderOf(cluster),
      };
    await (await this.kv()).put(clusterId, JSON.stringify(state));
    return state;
  }

  private async publishedIgnore(clusterId: string): Promise<DesiredState['ignore']> {
    const entry = await (await this.kv()).get(clusterId);
    if (!entry || entry.length === 0) return undefined;
    const parsed = DesiredState.safeParse(entry.json());
    return parsed.success ? parsed.data.ignore : undefined;
  }

  /** Publishes without failing the caller: a NATS outage is logged and fixed by the next change or "sync now". */
  async publishQuietly(clusterId: string): Promise<void> {
    await this.publish(clusterId).catch((e: unknown) => {
      this.unpublished.add(clusterId);
      this.logger.error(
        `publishing desired state of cluster ${clusterId} failed (retried next poll): ${(e as Error).message}`,
      );
    });
  }

  /**
   * `updatedAt` of every desired state in the bucket, by cluster id (its last values, read once
   * through an ordered consumer; deleted keys are left out).
   */
  async publishedUpdatedAt(): Promise<Map<string, string>> {
    const kv = await this.kv();
    const out = new Map<string, string>();
    if ((await kv.status()).values === 0) return out;
    const entries = await kv.watch({ include: KvWatchInclude.LastValue });
    try {
      for await (const e of entries) {
        if (e.operation === 'PUT') {
          try {
            out.set(e.key, (e.json<{ updatedAt?: string }>().updatedAt ?? '') as string);
          } catch {
            out.set(e.key, '');
          }
        } else out.delete(e.key);
        if (e.delta === 0) break;
      }
    } finally {
      entries.stop();
    }
    return out;
  }

  async remove(clusterId: string): Promise<void> {
    await (await this.kv()).delete(clusterId);
  }

  stateOf(cluster: Cluster): DesiredState | undefined {
    if (!cluster.desiredRevision || !this.config.FLEET_REPO_URL) return undefined;
    return {
      protocol: PROTOCOL_VERSION,
      clusterId: cluster.id,
      repoUrl: redactUrl(this.config.FLEET_REPO_URL),
      branch: this.config.FLEET_BRANCH,
      path: this.pathOf(cluster),
      revision: cluster.desiredRevision,
      prune: cluster.prune,
      selfHeal: cluster.selfHeal,
      updatedAt: (cluster.desiredUpdatedAt ?? new Date()).toISOString(),
    };
  }

  private kv(): Promise<KV> {
    this.kvPromise ??= new Kvm(this.nats.nc).open(DESIRED_BUCKET).catch((e: unknown) => {
      this.kvPromise = undefined;
      throw e;
    });
    return this.kvPromise;
  }
}
