/** Test helper: one corpus directory built by Flotilla and by `kubectl kustomize`, and what came of it. */
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '../src/index.js';
import { isRenderError, objectId, render, RenderErrorCode } from '../src/index.js';
import type { FsTree } from './fs-tree.js';
import { kubectlKustomize } from './kubectl-reference.js';

export interface CorpusEntry {
  /** Directory relative to the corpus root, e.g. `kubeflow--manifests/apps/pipeline/upstream/env/dev`. */
  dir: string;
  /** Remote resources the kustomization (or a base of it) names: Flotilla must refuse them by name. */
  remote?: string[];
}

export type Outcome =
  /** Times are wall times inside a loaded, concurrent run: informative, not a benchmark. */
  | { dir: string; outcome: 'identical'; objects: number; flotillaMs: number; kubectlMs: number }
  | { dir: string; outcome: 'refused'; feature: string; error: string }
  | { dir: string; outcome: 'remote-refused'; error: string }
  /** One kind and name under two versions: kubectl keeps both, a cluster holds one object; refusing is right. */
  | { dir: string; outcome: 'two-versions-refused'; error: string }
  | { dir: string; outcome: 'different'; detail: string };

/** The feature a refusal names: the kustomization field, or `kind: X`. */
export function refusedFeature(reason: string): string | undefined {
  const field = /^kustomization field "([^"]+)" is not supported/.exec(reason);
  if (field) return field[1];
  const kind = /^kind "([^"]+)" is not supported/.exec(reason);
  if (kind) return `kind: ${kind[1]}`;
  const sub = /^"([^"]+)" is not supported/.exec(reason);
  if (sub) return sub[1];
  return undefined;
}

/** Where two values first differ, as a JSON-ish path with both sides (short). */
export function firstDifference(want: unknown, got: unknown, path = ''): string | undefined {
  if (isDeepStrictEqual(want, got)) return undefined;
  if (
    want &&
    got &&
    typeof want === 'object' &&
    typeof got === 'object' &&
    Array.isArray(want) === Array.isArray(got)
  ) {
    const keys = new Set([...Object.keys(want), ...Object.keys(got)]);
    for (const key of [...keys].sort()) {
      const d = firstDifference(
        (want as Record<string, unknown>)[key],
        (got as Record<string, unknown>)[key],
        `${path}.${key}`,
      );
      if (d) return d;
    }
  }
  const show = (v: unknown): string => (v === undefined ? 'absent' : JSON.stringify(v).slice(0, 160));
  return `${path || '.'}: kubectl ${show(want)}, flotilla ${show(got)}`;
}

function compare(want: readonly KubeObject[], got: readonly KubeObject[]): string | undefined {
  const wantIds = new Map(want.map((o) => [objectId(o), o]));
  const gotIds = new Map(got.map((o) => [objectId(o), o]));
  const missing = [...wantIds.keys()].filter((id) => !gotIds.has(id));
  const extra = [...gotIds.keys()].filter((id) => !wantIds.has(id));
  if (missing.length > 0 || extra.length > 0)
    return `objects differ: only kubectl ${JSON.stringify(missing.slice(0, 5))}, only flotilla ${JSON.stringify(extra.slice(0, 5))}`;
  if (want.length !== got.length) return `kubectl built ${want.length} objects, flotilla ${got.length}`;
  for (const [id, obj] of wantIds) {
    const d = firstDifference(obj, gotIds.get(id));
    if (d) return `${id} ${d}`;
  }
  return undefined;
}

/** Whether kubectl's output holds one kind, namespace and name under two apiVersions. */
function twoVersionsOfOne(objects: readonly KubeObject[]): boolean {
  const seen = new Map<string, string>();
  for (const o of objects) {
    const id = objectId(o);
    const version = seen.get(id);
    if (version !== undefined && version !== o.apiVersion) return true;
    seen.set(id, o.apiVersion);
  }
  return false;
}

/** Builds one corpus directory both ways and classifies the result. */
export async function buildBothWays(tree: FsTree, root: string, entry: CorpusEntry): Promise<Outcome> {
  const { dir } = entry;
  let ours: KubeObject[] | undefined;
  let error: unknown;
  const started = performance.now();
  try {
    ours = (await render(tree, dir)).objects;
  } catch (err) {
    error = err;
  }
  const flotillaMs = Math.round(performance.now() - started);
  if (entry.remote) {
    if (ours) return { dir, outcome: 'different', detail: 'flotilla built a kustomization with remote resources' };
    const message = error instanceof Error ? error.message : String(error);
    if (isRenderError(error) && error.code === RenderErrorCode.UnsupportedField) {
      if (entry.remote.some((url) => error.reason.includes(`remote resource "${url}"`)))
        return { dir, outcome: 'remote-refused', error: message };
      const feature = refusedFeature(error.reason);
      if (feature) return { dir, outcome: 'refused', feature, error: message };
    }
    return { dir, outcome: 'different', detail: `not refused for its remote resources: ${message}` };
  }
  let reference: KubeObject[];
  const kubectlStarted = performance.now();
  try {
    reference = await kubectlKustomize(join(root, dir));
  } catch (err) {
    return { dir, outcome: 'different', detail: `kubectl failed: ${String(err).slice(0, 300)}` };
  }
  if (!ours) {
    const message = error instanceof Error ? error.message : String(error);
    if (isRenderError(error) && error.code === RenderErrorCode.UnsupportedField) {
      const feature = refusedFeature(error.reason);
      if (feature) return { dir, outcome: 'refused', feature, error: message };
    }
    if (
      isRenderError(error) &&
      error.code === RenderErrorCode.DuplicateObject &&
      error.reason.includes('two versions of one kind and name') &&
      twoVersionsOfOne(reference)
    )
      return { dir, outcome: 'two-versions-refused', error: message };
    return { dir, outcome: 'different', detail: `flotilla failed where kubectl builds: ${message}` };
  }
  const kubectlMs = Math.round(performance.now() - kubectlStarted);
  const detail = compare(reference, ours);
  return detail
    ? { dir, outcome: 'different', detail }
    : { dir, outcome: 'identical', objects: ours.length, flotillaMs, kubectlMs };
}

/** Runs `job` over `items` with at most `limit` at once, results in input order. */
export async function pool<T, R>(items: readonly T[], limit: number, job: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await job(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
