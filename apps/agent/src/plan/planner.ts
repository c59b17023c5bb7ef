/**
 * plan/: decides per object whether anything must be written. Checks first that the cluster can
 * take the whole render (kinds it knows or the render defines, namespaces that exist or are
 * rendered) — any problem fails the plan, naming the file, and nothing is applied. Then: an object
 * whose digest is what was last applied and whose live copy has not drifted costs no request; one
 * absent from the cluster is a create; one whose content changed since the last apply is applied;
 * anything else (no digest known, or drifted) gets a server-side dry-run apply. The live copies come
 * from the watch cache, or — for kinds it does not follow yet, as on a first apply — from one list
 * per kind: their watches start after the apply. A dry run the server refuses makes the object a
 * write (which then fails alone); one that matches the live object while the manifest does not
 * records the difference as admission's (not drift, not healed in a loop). A group/version whose
 * discovery fails (an aggregated API whose backend is down answers 503) is that group's problem
 * only: its objects fail alone in the apply, naming the discovery error; the rest go ahead.
 */
import {
  canonicalJson,
  checkNamespaces,
  diffObject,
  objectDigest,
  objectId,
  parseApiVersion,
  withoutIgnored,
  type IgnoreRule,
  type KubeObject,
  type Scope,
} from '@flotilla/gitops';
import type { AppliedObjects } from '../apply/applied-objects.js';
import type { LiveCache } from '../drift/live-cache.js';
import { AgentError } from '../errors.js';
import type { Discovery, ResourceInfo } from '../kube/discovery.js';
import type { Manifests } from '../render/renderer.js';
import type { ServerApply } from '../apply/server-apply.js';
import { mapLimit } from '../apply/map-limit.js';

export const PlanAction = { Create: 'create', Apply: 'apply', Unchanged: 'unchanged', Drifted: 'drifted' } as const;
export type PlanAction = (typeof PlanAction)[keyof typeof PlanAction];

export interface PlannedObject {
  id: string;
  obj: KubeObject;
  digest: string;
  file: string;
  /** Undefined while the kind is defined by a CRD of this same render. */
  info: ResourceInfo | undefined;
  /** The live object's resourceVersion when planned (undefined: absent, or kind not served yet). */
  liveVersion?: unknown;
  action: PlanAction;
}

export interface Plan {
  revision: string;
  objects: PlannedObject[];
  /** Server requests the plan needed beyond discovery (dry-runs). */
  dryRuns: number;
}

/** Resources by `apiVersion/kind` (undefined: not served), and the discovery errors of kinds not found out. */
type Infos = Map<string, ResourceInfo | undefined> & { failed: Map<string, string> };

export const PlanErrorCode = { UnknownKind: 'UNKNOWN_KIND', MissingNamespace: 'MISSING_NAMESPACE' } as const;

const VOLATILE = new Set(['resourceVersion', 'managedFields', 'generation']);

function comparable(obj: KubeObject): string {
  const metadata = Object.fromEntries(Object.entries(obj.metadata).filter(([k]) => !VOLATILE.has(k)));
  return canonicalJson({ ...obj, metadata, status: undefined });
}

export interface PlannerDeps {
  discovery: Discovery;
  live: LiveCache;
  applied: AppliedObjects;
  server: ServerApply;
  listNamespaces: () => Promise<string[]>;
  /** This agent's live objects of one kind (the watch cache's label selector), straight from the server. */
  listLive: (info: ResourceInfo) => Promise<KubeObject[]>;
  /** Drops fields given up to a fighting writer (the drift handler's). */
  withoutFought?: <T extends { path: string }>(id: string, diffs: T[]) => T[];
  /** The fleet's ignore rules for this cluster (desired state `ignore`). */
  ignoreRules?: () => readonly IgnoreRule[];
}

/** The plan's reads that do not depend on the render, started early (while the commit is fetched). */
export interface PlanPrelude {
  namespaces: Promise<string[]>;
}

export class Planner {
  constructor(private readonly deps: PlannerDeps) {}

  /** Starts the reads a plan needs whatever the render holds; a failure surfaces in plan(). */
  prelude(): PlanPrelude {
    const namespaces = this.deps.listNamespaces();
    namespaces.catch(() => undefined);
    return { namespaces };
  }

  /** Each kind's resource; kinds whose discovery failed are left out of `out` and named in `failed`. */
  private async infos(objects: readonly KubeObject[]): Promise<Infos> {
    const keys = [...new Set(objects.map((o) => `${o.apiVersion}\u0000${o.kind}`))];
    const out = new Map<string, ResourceInfo | undefined>();
    const failed = new Map<string, string>();
    await Promise.all(
      keys.map(async (k) => {
        const [apiVersion, kind] = k.split('\u0000') as [string, string];
        try {
          out.set(`${apiVersion}/${kind}`, await this.deps.discovery.resourceFor(apiVersion, kind));
        } catch (error) {
          failed.set(`${apiVersion}/${kind}`, (error as Error).message);
        }
      }),
    );
    return Object.assign(out, { failed });
  }

  private check(m: Manifests, infos: Infos, namespaces: string[]): void {
    const clusterScopes = new Map<string, Scope>();
    for (const info of infos.values())
      if (info)
        clusterScopes.set(
          `${parseApiVersion(info.apiVersion).group}/${info.kind}`,
          info.namespaced ? 'Namespaced' : 'Cluster',
        );
    const problems = checkNamespaces(m.objects, { clusterNamespaces: namespaces, clusterScopes });
    // A kind whose discovery failed is not unknown: its objects fail alone in the apply.
    const unknown = problems.unknownKind.find((u) => !infos.failed.has(`${u.apiVersion}/${u.kind}`));
    if (unknown) {
      throw new AgentError(
        `unknown kind ${unknown.apiVersion}/${unknown.kind} (${unknown.object}): not served by the cluster nor defined by a CRD in the render`,
        PlanErrorCode.UnknownKind,
        { file: m.sources[unknown.id], retryable: false },
      );
    }
    const missing = problems.missingNamespace[0];
    if (missing) {
      throw new AgentError(
        `${missing.object}: namespace ${missing.namespace} is neither in the render nor in the cluster`,
        PlanErrorCode.MissingNamespace,
        { file: m.sources[missing.id], retryable: false },
      );
    }
  }

  /**
   * The live objects of the kinds the watch cache does not follow yet, listed once for this plan.
   * Their watches start after the apply (the applier starts them), so a first apply's own writes
   * come back in one list per kind rather than as one watch event each.
   */
  private async snapshot(infos: Infos): Promise<Map<string, KubeObject>> {
    const unwatched = [...infos.values()].filter(
      (i): i is ResourceInfo => i !== undefined && !this.deps.live.isSynced(i),
    );
    const out = new Map<string, KubeObject>();
    for (const items of await Promise.all(unwatched.map((i) => this.deps.listLive(i))))
      for (const o of items) out.set(objectId(o), o);
    return out;
  }

  /** With `selfHeal` off, an object changed in the cluster but not in Git is left as it is (Drifted). */
  async plan(m: Manifests, opts: { selfHeal: boolean; prelude?: PlanPrelude } = { selfHeal: true }): Promise<Plan> {
    const [infos, namespaces] = await Promise.all([this.infos(m.objects), (opts.prelude ?? this.prelude()).namespaces]);
    this.check(m, infos, namespaces);
    const listed = await this.snapshot(infos);
    let dryRuns = 0;
    const objects = await mapLimit(m.objects, 16, async (obj): Promise<PlannedObject> => {
      const id = objectId(obj);
      const digest = m.digests.get(id) ?? objectDigest(obj);
      const info = infos.get(`${obj.apiVersion}/${obj.kind}`);
      // Every kind with an info is known here: followed by the watch cache, or listed just now.
      const live = info && (this.deps.live.isSynced(info) ? this.deps.live.get(id) : listed.get(id));
      const base = { id, obj, digest, file: m.sources[id] ?? '', info, liveVersion: live?.metadata['resourceVersion'] };
      if (!info) return { ...base, action: PlanAction.Apply };
      if (live && this.deps.applied.digestOf(id) === digest) {
        const version = live.metadata['resourceVersion'];
        if (this.deps.applied.isVerified(id, version)) return { ...base, action: PlanAction.Unchanged };
        const diffs = withoutIgnored(
          obj,
          live,
          this.deps.applied.withoutAdmitted(id, diffObject(obj, live)),
          this.deps.ignoreRules?.(),
        );
        if ((this.deps.withoutFought?.(id, diffs) ?? diffs).length === 0) {
          this.deps.applied.markVerified(id, version);
          return { ...base, action: PlanAction.Unchanged };
        }
        if (!opts.selfHeal) return { ...base, action: PlanAction.Drifted };
      }
      if (!live && !opts.selfHeal && this.deps.applied.digestOf(id) === digest)
        return { ...base, action: PlanAction.Drifted };
      if (!live) return { ...base, action: PlanAction.Create };
      // The content changed since the last apply: a write is needed, and its answer tells configured from unchanged.
      const last = this.deps.applied.digestOf(id);
      if (last !== undefined && last !== '' && last !== digest) return { ...base, action: PlanAction.Apply };
      dryRuns++;
      // A dry run the server refuses (an immutable field, admission) is one object's problem: its
      // write fails with the server's message, the others go ahead.
      const body = await this.deps.server.apply(info, obj, { dryRun: true }).then(
        (r) => r.body,
        () => undefined,
      );
      if (body === undefined) return { ...base, action: PlanAction.Apply };
      if (comparable(body) !== comparable(live)) return { ...base, action: PlanAction.Apply };
      // Nothing to write, yet the live object may differ from the manifest where admission changed it.
      this.deps.applied.setAdmitted(
        id,
        digest,
        diffObject(obj, live).map((d) => d.path),
      );
      return { ...base, action: PlanAction.Unchanged };
    });
    return { revision: m.revision, objects, dryRuns };
  }
}

export function summarizePlan(plan: Plan): string {
  const n = (a: PlanAction) => plan.objects.filter((o) => o.action === a).length;
  return `${n(PlanAction.Create)} to create, ${n(PlanAction.Apply)} to apply, ${n(PlanAction.Unchanged)} unchanged (${plan.dryRuns} dry-runs)${n(PlanAction.Drifted) ? `, ${n(PlanAction.Drifted)} drifted and left (self-heal off)` : ''}`;
}
