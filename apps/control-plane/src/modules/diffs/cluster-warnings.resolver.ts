/** `Cluster.renderWarnings`: what the render of the cluster's desired revision warns about (e.g. a patch that matches nothing). */
import { Logger } from '@nestjs/common';
import { Parent, ResolveField, Resolver } from '@nestjs/graphql';
import { ClustersService } from '../clusters/clusters.service.js';
import { ClusterModel } from '../clusters/models/cluster.model.js';
import { DesiredStateService } from '../fleet-repo/desired-state.service.js';
import { PathRenderer } from './path-renderer.js';
import { RevisionResolver } from './revision-resolver.js';

@Resolver(() => ClusterModel)
export class ClusterWarningsResolver {
  private readonly logger = new Logger(ClusterWarningsResolver.name);

  constructor(
    private readonly clusters: ClustersService,
    private readonly desired: DesiredStateService,
    private readonly revisions: RevisionResolver,
    private readonly renderer: PathRenderer,
  ) {}

  @ResolveField(() => [String], {
    description:
      "Render warnings of the cluster's desired revision (things that built but deserve the author's attention, e.g. a patch whose target matches nothing), each naming its kustomization; empty when it has no revision or does not render",
  })
  async renderWarnings(@Parent() parent: ClusterModel): Promise<string[]> {
    const cluster = await this.clusters.get({ id: parent.id });
    const revision = cluster?.desiredRevision;
    if (!cluster || !revision) return [];
    try {
      return await this.renderer.warningsAt({
        cluster,
        path: this.desired.pathOf(cluster),
        revision,
        tree: () => this.revisions.treeAt(revision),
      });
    } catch (e) {
      // the revision cannot be read right now (Git down): no warnings to show, the page still loads
      this.logger.warn(`render warnings of ${cluster.name} at ${revision.slice(0, 12)}: ${(e as Error).message}`);
      return [];
    }
  }
}
