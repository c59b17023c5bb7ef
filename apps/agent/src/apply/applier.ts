/**
 * apply: writes the plan with server-side apply (manager `flotilla`, force), in stages as
 * fluxcd/pkg/ssa does: Namespaces and CRDs first, CRDs waited for until Established (then their
 * kinds are discovered); then cluster-wide config; then every namespaced object and the rest
 * together; webhooks last. Within a stage objects go out in libs/gitops' stable order, a fixed
 * number in flight, and a stage starts once the one before is done. Unchanged objects are not
 * written. The applied set is updated before each write, so the watch event of our own write is
 * never mistaken for drift, and the version each write made is recorded as verified (that event
 * costs no diff). A failed object is reported, not fatal: the rest of the stage and the stages
 * after it are still written. A refusal for an immutable field recreates the object only when it
 * is annotated `flotilla.dev/force: enabled` (recreate.ts). An object that was there before the
 * agent's first write, made by a client-side `kubectl apply`, is adopted (adoption.ts). A kind whose
 * discovery fails (an aggregated API answering 503) fails its objects alone, naming the error. A
 * CRD's kinds are asked of discovery until served (a real server serves them a moment after
 * Established); a kind of this pass's CRDs still not served fails as retryable, so the next pass
 * applies it.
 */
import { ApplyPhase, applyPhaseOf, diffObject, hasNoStatus, parseApiVersion, type KubeObject } from '@flotilla/gitops';
import { ObjectAction, storableText } from '@flotilla/protocol';
import type { AppliedObjects } from './applied-objects.js';
import { mapLimit } from './map-limit.js';
import { ServerApply } from './server-apply.js';
import { needsAdoption } from './adoption.js';
import { isImmutableRejection, recreate, wantsRecreate } from './recreate.js';
import type { LiveCache } from '../drift/live-cache.js';
import { Discovery, type ResourceInfo } from '../kube/discovery.js';
import { KubeApiError } from '../kube/kube-client.js';
import { PlanAction, type Plan, type PlannedObject } from '../plan/planner.js';
import { sleep } from '../backoff.js';
import { writtenVersionOf, type WrittenVersion } from '../health/written-version.js';

/** The phases (libs/gitops apply order) written together, stage after stage. */
export const APPLY_STAGES: ReadonlyArray<readonly ApplyPhase[]> = [
  [ApplyPhase.Foundation],
  [ApplyPhase.ClusterConfig],
  [ApplyPhase.NamespacedConfig, ApplyPhase.Services, ApplyPhase.Workloads, ApplyPhase.Other],
  [ApplyPhase.Webhooks],
];
const STAGE_OF_PHASE = new Map(APPLY_STAGES.flatMap((phases, stage) => phases.map((phase) => [phase, stage] as const)));

/** Why an object was deleted and created again. */
export const RECREATED =
  'recreated: an immutable field changed and the object asks for it (flotilla.dev/force: enabled)';

/** Why an existing object's fields changed owner. */
export const ADOPTED = 'adopted: fields of a client-side kubectl apply taken over (fields the manifest lacks removed)';

/** Why fields the manifest sets differ from what the server stored, and are left so. */
export const ADMITTED = 'the server admission changed fields the manifest sets; kept as stored, not healed';

/** Why a drifted object was not written. */
export const DRIFT_LEFT = 'live state differs from Git; self-heal is off, so it is left as it is';

export interface ApplyResult {
  id: string;
  obj: KubeObject;
  file: string;
  action: ObjectAction;
  message?: string;
  /** The resourceVersion (and generation) this write's answer carried: health waits for it. */
  written?: WrittenVersion;
  /** For a failed write: whether trying again may help (API 429/5xx, timeouts, connection errors). */
  retryable?: boolean;
}

/** A write that failed on the API's load or the network may pass later; one the API refused will not. */
export function isRetryableWrite(error: unknown): boolean {
  if (error instanceof KubeApiError) return error.status === 429 || error.status >= 500 || error.status === 409;
  return true;
}

export interface ApplierOptions {
  concurrency?: number;
  crdTimeoutMs?: number;
}

export class Applier {
  constructor(
    private readonly server: ServerApply,
    private readonly discovery: Discovery,
    private readonly applied: AppliedObjects,
    private readonly live: LiveCache,
    private readonly opts: ApplierOptions = {},
  ) {}

  /** The object's resource, or why it cannot be written: discovery failed, or the kind is not served. */
  private async resourceOf(
    p: PlannedObject,
    crdGroups: ReadonlySet<string>,
  ): Promise<ResourceInfo | Omit<ApplyResult, 'id' | 'obj' | 'file'>> {
    if (p.info) return p.info;
    const gv = p.obj.apiVersion;
    try {
      const info = await this.discovery.resourceFor(gv, p.obj.kind);
      if (info) return info;
    } catch (error) {
      return {
        action: ObjectAction.Failed,
        retryable: isRetryableWrite(error),
        message: storableText(`discovery of ${gv} failed: ${(error as Error).message}`, 2000),
      };
    }
    const fromCrd = crdGroups.has(parseApiVersion(gv).group);
    return {
      action: ObjectAction.Failed,
      retryable: fromCrd,
      message: fromCrd
        ? `kind ${gv}/${p.obj.kind} is not served yet, though its CRD is Established; tried again next pass`
        : `kind ${gv}/${p.obj.kind} is not served by the cluster`,
    };
  }

  private async applyOne(p: PlannedObject, crdGroups: ReadonlySet<string>): Promise<ApplyResult> {
    const base = { id: p.id, obj: p.obj, file: p.file };
    const info = await this.resourceOf(p, crdGroups);
    if ('action' in info) return { ...base, ...info };
    if (p.action === PlanAction.Drifted) {
      this.applied.set(p.id, { obj: p.obj, digest: p.digest, info });
      return { ...base, action: ObjectAction.Skipped, message: DRIFT_LEFT };
    }
    if (p.action === PlanAction.Unchanged) {
      if (!this.applied.get(p.id) || this.applied.get(p.id)?.digest !== p.digest)
        this.applied.set(p.id, { obj: p.obj, digest: p.digest, info });
      return { ...base, action: ObjectAction.Unchanged };
    }
    const before = this.live.get(p.id)?.metadata['resourceVersion'] ?? p.liveVersion;
    this.applied.set(p.id, { obj: p.obj, digest: p.digest, info });
    try {
      let recreated = false;
      let res = await this.server.apply(info, p.obj).catch(async (error: unknown) => {
        if (!isImmutableRejection(error) || !wantsRecreate(p.obj)) throw error;
        recreated = true;
        return recreate(this.server, info, p.obj);
      });
      // Not ours yet, yet there: taken over from a client-side kubectl apply (adoption.ts).
      const adopted = p.action === PlanAction.Create && res.status !== 201 && needsAdoption(res.body);
      if (adopted) res = await this.server.adopt(info, p.obj, res);
      const version = res.body.metadata['resourceVersion'];
      // The answer is the live object our write made: its watch event needs no diff.
      this.applied.markVerified(p.id, version);
      const written = writtenVersionOf(res.body);
      const wrote = { ...base, ...(written ? { written } : {}) };
      const admitted = this.admitted(p, res.body);
      const note = [recreated ? RECREATED : undefined, adopted ? ADOPTED : undefined, admitted]
        .filter(Boolean)
        .join('; ');
      const noted = note ? { ...wrote, message: note } : wrote;
      if (recreated || res.status === 201) return { ...noted, action: ObjectAction.Created };
      return {
        ...noted,
        action: before !== undefined && version === before ? ObjectAction.Unchanged : ObjectAction.Configured,
      };
    } catch (error) {
      this.applied.invalidate(p.id);
      return {
        ...base,
        action: ObjectAction.Failed,
        message: storableText((error as Error).message, 2000),
        retryable: isRetryableWrite(error),
      };
    }
  }

  /**
   * Fields the manifest sets that the server's answer holds otherwise: a mutating admission
   * webhook changed them. Recorded so they are not healed in a loop; reported (once per digest)
   * in this object's result.
   */
  private admitted(p: PlannedObject, answer: KubeObject): string | undefined {
    const paths = diffObject(p.obj, answer).map((d) => d.path);
    if (!this.applied.setAdmitted(p.id, p.digest, paths)) return undefined;
    return `${ADMITTED}: ${paths.join(', ')}`;
  }

  /** Waits (bounded) until the CRD is Established and discovery serves its kind. */
  private async waitEstablished(crd: KubeObject): Promise<void> {
    const info = await this.discovery.resourceFor(crd.apiVersion, crd.kind);
    const deadline = Date.now() + (this.opts.crdTimeoutMs ?? 30_000);
    while (info && Date.now() < deadline) {
      const { body } = await this.server.client.request<KubeObject>('GET', Discovery.objectPath(info, crd));
      const conditions =
        (body['status'] as { conditions?: Array<{ type: string; status: string }> } | undefined)?.conditions ?? [];
      if (conditions.some((c) => c.type === 'Established' && c.status === 'True')) break;
      await sleep(100);
    }
    const spec = crd['spec'] as
      { group?: string; names?: { kind?: string }; versions?: Array<{ name: string; served?: boolean }> } | undefined;
    if (!spec?.group) return;
    this.discovery.forget(spec.group);
    const version = spec.versions?.find((v) => v.served !== false)?.name;
    const kind = spec.names?.kind;
    if (!version || !kind) return;
    // Established is not yet served: a real server's handler and discovery follow a moment later.
    let wait = 50;
    while (Date.now() < deadline) {
      const served = await this.discovery.resourceFor(`${spec.group}/${version}`, kind).catch(() => undefined);
      if (served) return;
      await sleep(wait);
      wait = Math.min(wait * 2, 1_000);
    }
  }

  async apply(plan: Plan): Promise<ApplyResult[]> {
    const stages = APPLY_STAGES.map(() => [] as PlannedObject[]);
    for (const p of plan.objects) stages[STAGE_OF_PHASE.get(applyPhaseOf(p.obj)) ?? 0]?.push(p);
    const results: ApplyResult[] = [];
    const crdGroups = new Set(
      plan.objects
        .filter((p) => p.obj.kind === 'CustomResourceDefinition')
        .map((p) => String((p.obj['spec'] as { group?: unknown } | undefined)?.group ?? '')),
    );
    for (const batch of stages) {
      if (batch.length === 0) continue;
      const out = await mapLimit(batch, this.opts.concurrency ?? 16, (p) => this.applyOne(p, crdGroups));
      results.push(...out);
      const crds = batch.filter(
        (p, i) => p.obj.kind === 'CustomResourceDefinition' && out[i]?.action !== ObjectAction.Failed,
      );
      await Promise.all(crds.map((p) => this.waitEstablished(p.obj)));
      const infos = new Map<string, ResourceInfo>();
      for (const r of out) {
        const info = this.applied.get(r.id)?.info;
        if (info && r.action !== ObjectAction.Failed) infos.set(`${info.apiVersion}/${info.kind}`, info);
      }
      // Health waits on the watch cache, except for kinds without status (their apply answered
      // it): their first list may land after the report.
      const watches = [...infos.values()].map((info) => ({ info, synced: this.live.watch(info) }));
      await Promise.all(watches.filter((w) => !hasNoStatus(w.info.apiVersion, w.info.kind)).map((w) => w.synced));
    }
    return results;
  }
}

export function summarizeApply(results: readonly ApplyResult[]): string {
  const counts = new Map<string, number>();
  for (const r of results) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  return [...counts].map(([a, n]) => `${n} ${a}`).join(', ') || 'nothing to apply';
}
