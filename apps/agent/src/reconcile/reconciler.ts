/**
 * reconcile/: one pass from desired state to cluster, as a linear script (doc.md tells the story).
 * Every pass ends with exactly one SyncReport, success or failure. A failure before apply keeps the
 * last good state untouched; an object the server refuses fails only itself (the others are still
 * applied, pruned and checked, and the pass reports Failed naming it); prune runs only when
 * desired.prune is on, and only over the agent's own inventory (a failed object stays in it).
 */
import {
  diffInventory,
  hasNoStatus,
  health as healthOf,
  inventoryAfterPrune,
  inventoryOf,
  makeInventory,
  type Inventory,
} from '@flotilla/gitops';
import {
  HealthStatus,
  ObjectAction,
  SyncState,
  type DesiredState,
  type ObjectResult,
  type SyncReport,
} from '@flotilla/protocol';
import type { Logger } from 'pino';
import type { AppliedObjects } from '../apply/applied-objects.js';
import { DRIFT_LEFT, summarizeApply, type Applier, type ApplyResult } from '../apply/applier.js';
import type { DriftHandler } from '../drift/drift-handler.js';
import type { LiveCache } from '../drift/live-cache.js';
import { summarizeHealth, type HealthChecker, type HealthResult } from '../health/health-checker.js';
import type { InventoryStore } from '../inventory/inventory-store.js';
import type { WrittenVersion } from '../health/written-version.js';
import type { ResourceInfo } from '../kube/discovery.js';
import { summarizePlan, type Plan, type PlanPrelude, type Planner } from '../plan/planner.js';
import type { PruneResult, Pruner } from '../prune/pruner.js';
import type { Manifests, Renderer } from '../render/renderer.js';
import type { CommitGuard } from '../source/commit-guard.js';
import { SourceErrorCode, type Artifact, type Fetcher } from '../source/fetcher.js';
import { ReconcileError } from './reconcile-error.js';
import { stageRunner, type StageResult } from './stage.js';

export interface ReconcilerDeps {
  clusterId: string;
  fetcher: Fetcher;
  /** The signed-commit policy (--trusted-keys); without it any commit of the branch is taken. */
  guard?: CommitGuard;
  renderer: Renderer;
  planner: Planner;
  applier: Applier;
  pruner: Pruner;
  inventory: InventoryStore;
  applied: AppliedObjects;
  health: HealthChecker;
  live: LiveCache;
  drift: DriftHandler;
  healthTimeoutMs: number;
  logger: Logger;
  /** Kubernetes requests retried so far (KubeClient.retries): the pass reports how many it caused. */
  kubeRetries?: () => number;
}

export type SyncResult = Omit<SyncReport, 'seq' | 'protocol' | 'clusterId'>;

export class Reconciler {
  constructor(private readonly d: ReconcilerDeps) {}

  async reconcile(desired: DesiredState): Promise<SyncResult> {
    const { d } = this;
    const log = d.logger.child({ revision: desired.revision.slice(0, 12) });
    const started = new Date();
    const retriesBefore = d.kubeRetries?.() ?? 0;
    const stage = stageRunner(log, {});
    let results: ApplyResult[] = [];
    let pruned: PruneResult[] = [];
    let health: HealthResult | undefined;
    let error: ReconcileError | undefined;
    // Reads that do not depend on the commit go out while it is fetched.
    const previousInventory = d.inventory.load();
    previousInventory.catch(() => undefined);
    const prelude = d.planner.prelude();
    try {
      const artifact = await stage('source', () => this.fetchCommit(desired));
      const manifests = await stage('render', () => this.render(artifact, desired.path));
      const { previous, plan } = await stage('plan', () => this.plan(manifests, desired, previousInventory, prelude));
      const next = inventoryOf(manifests.objects);
      d.drift.pause();
      try {
        await d.drift.healsDone();
        results = await stage('apply', () => this.applyRecorded(plan, previous, next));
        // One object the server refused fails only itself: it stays in the inventory (never
        // pruned), the others are pruned and checked as usual, and the pass reports the failure.
        pruned = await stage('prune', () => this.prune(desired, previous, next));
      } finally {
        d.drift.resume();
      }
      const failure = applyFailure(results);
      if (!failure) d.applied.revision = desired.revision;
      await d.applied.save();
      health = await stage('health', () => this.waitHealthy(results.filter((r) => r.action !== ObjectAction.Failed)));
      if (failure) error = failure;
      else if (health.watchBehind.length > 0) error = watchBehindError(health);
    } catch (e) {
      error = e instanceof ReconcileError ? e : ReconcileError.from('apply', e);
    }
    const retries = (d.kubeRetries?.() ?? 0) - retriesBefore;
    return this.result(desired, started, results, pruned, health, error, log, retries);
  }

  /** Fetches the desired commit and, under the signed-commit policy, checks who signed it. */
  private async fetchCommit(desired: DesiredState): Promise<StageResult<Artifact>> {
    const artifact = await this.d.fetcher.fetch(desired);
    const verified = await this.d.guard?.check(desired, this.d.applied.revision);
    const signedBy = verified ? `, signed by ${verified.signer}` : '';
    return { value: artifact, summary: `commit ${desired.revision.slice(0, 12)}${signedBy}` };
  }

  private async render(artifact: Artifact, path: string): Promise<StageResult<Manifests>> {
    const manifests = await this.d.renderer.render(artifact, path);
    const { warnings } = manifests;
    if (warnings.length > 0) this.d.logger.warn({ warnings }, `render: ${warnings.length} warning(s)`);
    const noted = warnings.length > 0 ? `, ${warnings.length} warning(s)` : '';
    return { value: manifests, summary: `${manifests.objects.length} objects${noted}` };
  }

  /** Plans against what runs now; the inventory and the prelude's reads were started while the commit was fetched. */
  private async plan(
    manifests: Manifests,
    desired: DesiredState,
    previousInventory: Promise<Inventory>,
    prelude: PlanPrelude,
  ): Promise<StageResult<{ previous: Inventory; plan: Plan }>> {
    const previous = await previousInventory;
    const plan = await this.d.planner.plan(manifests, { selfHeal: desired.selfHeal, prelude });
    return { value: { previous, plan }, summary: summarizePlan(plan) };
  }

  /** Records the union of old and new objects before writing, so a kill mid-apply orphans nothing. */
  private async applyRecorded(plan: Plan, previous: Inventory, next: Inventory): Promise<StageResult<ApplyResult[]>> {
    await this.d.inventory.save(makeInventory([...previous.entries, ...next.entries]));
    const results = await this.d.applier.apply(plan);
    return { value: results, summary: summarizeApply(results) };
  }

  private async waitHealthy(results: readonly ApplyResult[]): Promise<StageResult<HealthResult>> {
    const ids = results.map((r) => r.id);
    const seen = { applied: this.answeredByApply(results), written: writtenBy(results) };
    const health = await this.d.health.wait(ids, this.d.healthTimeoutMs, seen);
    return { value: health, summary: summarizeHealth(health) };
  }

  /** Objects of kinds without status that this pass wrote or found unchanged: existing is all their health needs. */
  private answeredByApply(results: readonly ApplyResult[]): Map<string, ResourceInfo> {
    const out = new Map<string, ResourceInfo>();
    for (const r of results) {
      const info = this.d.applied.get(r.id)?.info;
      if (
        info &&
        (r.action === ObjectAction.Created ||
          r.action === ObjectAction.Configured ||
          r.action === ObjectAction.Unchanged) &&
        hasNoStatus(r.obj.apiVersion, r.obj.kind)
      )
        out.set(r.id, info);
    }
    return out;
  }

  private async prune(
    desired: DesiredState,
    previous: Inventory,
    next: Inventory,
  ): Promise<StageResult<PruneResult[]>> {
    const pruned = await this.pruneObjects(desired, previous, next);
    return { value: pruned, summary: summarizePrune(pruned, desired.prune) };
  }

  private async pruneObjects(desired: DesiredState, previous: Inventory, next: Inventory): Promise<PruneResult[]> {
    const diff = diffInventory(previous, next);
    if (diff.skipped) {
      this.d.logger.warn({ reason: diff.skipped }, 'prune: skipped; the inventory is kept as it was');
      return [];
    }
    const wanted = new Set(next.entries.map((e) => e.id));
    for (const id of this.d.applied.ids()) if (!wanted.has(id)) this.d.applied.delete(id);
    if (!desired.prune) return [];
    const out = await this.d.pruner.prune(diff);
    const failed = out.filter((r) => r.action === ObjectAction.Failed).map((r) => r.id);
    await this.d.inventory.save(inventoryAfterPrune(next, diff, failed));
    return out;
  }

  private result(
    desired: DesiredState,
    started: Date,
    results: ApplyResult[],
    pruned: PruneResult[],
    health: HealthResult | undefined,
    error: ReconcileError | undefined,
    log: Logger,
    retries: number,
  ): SyncResult {
    const finished = new Date();
    const ref = (o: ApplyResult['obj']) => ({
      apiVersion: o.apiVersion,
      kind: o.kind,
      name: o.metadata.name,
      ...(o.metadata.namespace ? { namespace: o.metadata.namespace } : {}),
    });
    const objects: ObjectResult[] = [
      ...results.map((r) => {
        const judged = health?.byId.get(r.id);
        return {
          ...ref(r.obj),
          action: r.action,
          health: judged?.status ?? healthOf(this.d.live.get(r.id)).status,
          ...(r.message ? { message: r.message } : {}),
          ...(judged?.generation !== undefined ? { generation: judged.generation } : {}),
          ...(judged?.observedGeneration !== undefined ? { observedGeneration: judged.observedGeneration } : {}),
        };
      }),
      ...pruned.map((r) => ({
        ...ref(r.obj),
        action: r.action,
        health: r.action === ObjectAction.Deleted ? HealthStatus.Missing : HealthStatus.Unknown,
        ...(r.message ? { message: r.message } : {}),
      })),
    ];
    const drifted = results.some((r) => r.message === DRIFT_LEFT);
    const state = error ? SyncState.Failed : drifted ? SyncState.OutOfSync : SyncState.Synced;
    const out: SyncResult = {
      revision: desired.revision,
      ...(this.d.applied.revision ? { appliedRevision: this.d.applied.revision } : {}),
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      state,
      health: health?.status ?? (error ? HealthStatus.Unknown : HealthStatus.Healthy),
      objects,
      ...(error ? { error: error.toReport() } : {}),
      sourceAvailable: !(error?.stage === 'source' && error.code === SourceErrorCode.Unavailable),
      ...(retries > 0 ? { kubeRetries: retries } : {}),
    };
    const level = error ? 'warn' : 'info';
    log[level](
      {
        state,
        health: out.health,
        ms: out.durationMs,
        objects: objects.length,
        kubeRetries: retries,
        ...(error ? { error: error.toReport() } : {}),
      },
      `reconcile: ${state}`,
    );
    return out;
  }
}

/**
 * A failed object fails the pass (after the others were applied, pruned and checked): retryable
 * only when every failure was the API's load or the network; names the first refused object's file.
 */
function applyFailure(results: readonly ApplyResult[]): ReconcileError | undefined {
  const failed = results.filter((r) => r.action === ObjectAction.Failed);
  const refused = failed.filter((r) => r.retryable === false);
  const first = refused[0] ?? failed[0];
  if (!first) return undefined;
  return new ReconcileError(
    'apply',
    refused.length ? 'APPLY_REJECTED' : 'APPLY_FAILED',
    `${failed.length} object(s) failed to apply; ${refused.length ? 'rejected' : 'first'} ${first.id}${first.file ? ` (${first.file})` : ''}: ${first.message ?? ''}`,
    refused.length === 0,
    first.file,
  );
}

/** What each write of this pass produced: health judges nothing older. */
function writtenBy(results: readonly ApplyResult[]): Map<string, WrittenVersion> {
  const out = new Map<string, WrittenVersion>();
  for (const r of results) if (r.written) out.set(r.id, r.written);
  return out;
}

/** The health timeout passed before the watch showed this pass's writes: retryable, not a verdict. */
function watchBehindError(h: HealthResult): ReconcileError {
  const first = h.watchBehind[0]!;
  return new ReconcileError(
    'health',
    'WATCH_NOT_CAUGHT_UP',
    `${h.watchBehind.length} object(s) not yet seen at the version this pass wrote; first ${first}: ${h.byId.get(first)?.message ?? ''}`,
    true,
  );
}

function summarizePrune(r: readonly PruneResult[], enabled: boolean): string {
  if (!enabled) return 'prune is off';
  return r.length ? r.map((p) => `${p.id} ${p.action}`).join(', ') : 'nothing to prune';
}
