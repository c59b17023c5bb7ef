/**
 * Hydration in the control plane (FLEET_HYDRATION=on): each new head is rendered for every
 * participating cluster and committed to the rendered branch before its rollout is planned; the
 * planner's affected clusters come from folder tree hashes; desired state points agents at the
 * rendered commit of their (source) revision, hydrating an older or revert commit on demand.
 */
import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { isAbsolute, resolve } from 'node:path';
import type { HelmChartInflater } from '@flotilla/gitops';
import { DataSource, type EntityManager } from 'typeorm';
import type { ControlPlaneConfig } from '../../config/config.schema.js';
import { CONFIG } from '../../config/config.token.js';
import { type Cluster, PARTICIPATING } from '../clusters/cluster.entity.js';
import { DesiredStateService } from '../fleet-repo/desired-state.service.js';
import { RenderedRevisions } from '../fleet-repo/rendered-revisions.js';
import { CommitPolicy } from '../rollouts/git/commit-policy.service.js';
import { FleetSource } from '../rollouts/git/fleet-source.js';
import { ChartRepositoryClient } from './helm/chart-repository.js';
import { HelmChartRenderer } from './helm/helm-chart-renderer.js';
import { type HydrationCluster, Hydrator } from './hydrator.js';
import { affectedByTree } from './rendered-affected.js';
import { RenderedBranch } from './rendered-branch.js';

interface ClusterRow {
  id: string;
  name: string;
  tags: string[];
  sync_path: string | null;
  desired_revision: string | null;
  region: string;
  provider: string;
  kube_version: string;
}

@Injectable()
export class HydrationService implements OnModuleInit {
  private readonly logger = new Logger(HydrationService.name);
  readonly enabled: boolean;
  private readonly branch?: RenderedBranch;
  private readonly renderer?: HelmChartRenderer;
  private readonly folderMemo = new Map<string, Promise<Map<string, string>>>();

  constructor(
    @Inject(CONFIG) private readonly config: ControlPlaneConfig,
    private readonly db: DataSource,
    private readonly source: FleetSource,
    private readonly desired: DesiredStateService,
    private readonly revisions: RenderedRevisions,
    policy: CommitPolicy,
  ) {
    this.enabled = config.FLEET_HYDRATION === 'on' && !!config.FLEET_REPO_URL;
    if (!this.enabled) return;
    const timeoutMs = config.FLEET_GIT_TIMEOUT_SECONDS * 1000;
    const renderer = (this.renderer = new HelmChartRenderer({
      helmBin: isAbsolute(config.HELM_BINARY) ? config.HELM_BINARY : resolve(config.HELM_BINARY),
      repository: new ChartRepositoryClient({
        timeoutMs,
        maxIndexBytes: config.HELM_CHART_MAX_BYTES,
        maxChartBytes: config.HELM_CHART_MAX_BYTES,
        indexTtlMs: 60_000,
      }),
      timeoutMs: config.HELM_TIMEOUT_SECONDS * 1000,
      maxOutputBytes: config.HELM_MAX_OUTPUT_BYTES,
      concurrency: config.HELM_CONCURRENCY,
    }));
    this.branch = new RenderedBranch({
      url: config.FLEET_REPO_URL ?? '',
      branch: config.FLEET_RENDERED_BRANCH,
      username: config.FLEET_GIT_USERNAME,
      token: config.FLEET_GIT_TOKEN,
      gitdir: source.gitdir,
      timeoutMs,
      retries: config.FLEET_GIT_RETRIES,
      hydrator: new Hydrator({
        gitdir: source.gitdir,
        renderer,
        treeAt: (rev) => source.treeAt(rev),
        signer: () => {
          const signer = policy.signer;
          return signer ? (payload) => signer.sign(payload) : undefined;
        },
      }),
    });
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    this.desired.setRenderedView({
      branch: this.config.FLEET_RENDERED_BRANCH,
      renderedOf: (source, cluster) => this.renderedOf(source, cluster),
      folderOf: (cluster) => cluster.name,
    });
  }

  /** The chart inflater for rendering a cluster's path on the hub (a preview, a diff); none when hydration is off. */
  inflaterFor(
    cluster: Pick<Cluster, 'name' | 'region' | 'provider' | 'kubeVersion' | 'tags'>,
    /** Turns `cluster` true when a chart's values refer to the cluster (the render is then the cluster's own). */
    usage?: { cluster: boolean },
  ): HelmChartInflater | undefined {
    return this.renderer?.inflater(
      {
        name: cluster.name,
        region: cluster.region,
        provider: cluster.provider,
        kubeVersion: cluster.kubeVersion,
        tags: cluster.tags,
      },
      usage,
    );
  }

  private rendered(): RenderedBranch {
    if (!this.branch) throw new Error('hydration is off (FLEET_HYDRATION)');
    return this.branch;
  }

  private async clusters(m: EntityManager): Promise<ClusterRow[]> {
    return (await m.query(
      `SELECT id, name, tags, sync_path, desired_revision, region, provider, kube_version FROM clusters WHERE ${PARTICIPATING} ORDER BY name`,
    )) as ClusterRow[];
  }

  private toHydration(c: ClusterRow): HydrationCluster {
    return {
      id: c.id,
      name: c.name,
      path: this.desired.pathOf({ name: c.name, syncPath: c.sync_path }),
      facts: { name: c.name, region: c.region, provider: c.provider, kubeVersion: c.kube_version, tags: c.tags },
    };
  }

  /** Hydrates `source` for every participating cluster (throws HydrationError naming the cluster on bad input). */
  async hydrate(m: EntityManager, source: string): Promise<string> {
    const started = Date.now();
    const clusters = await this.clusters(m);
    const out = await this.rendered().hydrate(
      source,
      clusters.map((c) => this.toHydration(c)),
    );
    this.revisions.remember(source, out.renderedRevision);
    if (out.result)
      this.logger.log(
        `hydrated ${source.slice(0, 12)} → ${this.config.FLEET_RENDERED_BRANCH} ${out.renderedRevision.slice(0, 12)}: ${clusters.length} cluster(s), ${out.result.renders} render(s) in ${Date.now() - started} ms`,
      );
    return out.renderedRevision;
  }

  /**
   * The rendered commit of `source` for `cluster`, hydrating it now when it never was (a revert
   * commit, an older pin), or again when the cluster registered or moved to another path after it
   * was hydrated (its path is in the source commit but its folder is missing or from another path).
   */
  async renderedOf(source: string, cluster: Pick<Cluster, 'name' | 'syncPath'>): Promise<string> {
    const path = this.desired.pathOf(cluster);
    const branch = this.rendered();
    // Stale for this cluster: no folder, or one rendered from another path, while its path is in the source.
    const stale = async (rendered: string): Promise<boolean> =>
      (await branch.pathOf(rendered, cluster.name)) !== path &&
      !!(await (await this.source.treeAt(source)).entry(path));
    const known = await branch.renderedOf(source);
    if (known && !(await stale(known))) return this.remember(source, known);
    const clusters = (await this.clusters(this.db.manager)).map((c) => this.toHydration(c));
    const out = await branch.hydrate(source, clusters, stale);
    return this.remember(source, out.renderedRevision);
  }

  private remember(source: string, rendered: string): string {
    this.revisions.remember(source, rendered);
    return rendered;
  }

  private folders(rendered: string): Promise<Map<string, string>> {
    let pending = this.folderMemo.get(rendered);
    if (!pending) {
      pending = this.rendered().folders(rendered);
      pending.catch(() => this.folderMemo.delete(rendered));
      this.folderMemo.set(rendered, pending);
      if (this.folderMemo.size > 1000) this.folderMemo.delete(this.folderMemo.keys().next().value as string);
    }
    return pending;
  }

  /** The rendered commit of `source`, hydrating it now when it never was (throws HydrationError on bad input). */
  async ensureRendered(m: EntityManager, source: string): Promise<string> {
    const known = await this.rendered().renderedOf(source);
    return known ? this.remember(source, known) : this.hydrate(m, source);
  }

  /**
   * Affected clusters of a rendered commit: those whose folder tree differs from the one they run
   * (all participating clusters, or the ids in `only`).
   */
  async affected(
    m: EntityManager,
    rendered: string,
    only?: readonly string[],
  ): Promise<{ affected: string[]; unaffected: string[] }> {
    const clusters = (await this.clusters(m)).filter((c) => !only || only.includes(c.id));
    const target = await this.folders(rendered);
    const current = new Map<string, Map<string, string> | undefined>();
    for (const c of clusters) {
      const rev = c.desired_revision;
      if (!rev || current.has(rev)) continue;
      const known = await this.rendered().renderedOf(rev);
      current.set(rev, known ? await this.folders(known) : undefined);
    }
    return affectedByTree(
      clusters.map((c) => ({
        id: c.id,
        name: c.name,
        current: c.desired_revision ? current.get(c.desired_revision) : undefined,
      })),
      target,
    );
  }
}
