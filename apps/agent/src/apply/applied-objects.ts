/**
 * apply/: what the agent last applied, per object id — the desired object, its content digest and
 * the resource serving it. Drift is measured against it; the plan skips objects whose digest is
 * unchanged and whose live state matches. Digests survive a restart (applied.json in the state dir).
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { KubeObject } from '@flotilla/gitops';
import type { ResourceInfo } from '../kube/discovery.js';

export interface AppliedObject {
  obj: KubeObject;
  digest: string;
  info: ResourceInfo;
}

export class AppliedObjects {
  private readonly byId = new Map<string, AppliedObject>();
  private digests: Record<string, string> = {};
  /** Fields the server's admission changed although the manifest sets them, per digest applied. */
  private readonly admitted = new Map<string, { digest: string; paths: ReadonlySet<string> }>();
  /** The live resourceVersion at which each object was last seen to match what was applied. */
  private readonly verified = new Map<string, string>();
  revision: string | undefined;

  constructor(private readonly stateDir: string) {}

  async load(): Promise<void> {
    try {
      const saved = JSON.parse(await readFile(join(this.stateDir, 'applied.json'), 'utf8')) as {
        revision?: string;
        digests?: Record<string, string>;
      };
      this.digests = saved.digests ?? {};
      this.revision = saved.revision;
    } catch {
      this.digests = {};
    }
  }

  async save(): Promise<void> {
    const file = join(this.stateDir, 'applied.json');
    await writeFile(`${file}.tmp`, JSON.stringify({ revision: this.revision, digests: this.digests }), { mode: 0o600 });
    await rename(`${file}.tmp`, file);
  }

  get(id: string): AppliedObject | undefined {
    return this.byId.get(id);
  }

  /** The digest last applied for `id` (also from before a restart). */
  digestOf(id: string): string | undefined {
    return this.byId.get(id)?.digest ?? this.digests[id];
  }

  set(id: string, entry: AppliedObject): void {
    if (this.byId.get(id)?.digest !== entry.digest) this.verified.delete(id);
    this.byId.set(id, entry);
    this.digests[id] = entry.digest;
  }

  delete(id: string): void {
    this.admitted.delete(id);
    this.byId.delete(id);
    this.verified.delete(id);
    delete this.digests[id];
  }

  /** Keeps the applied object for drift, but forgets its digest: the next plan compares with the server. */
  invalidate(id: string): void {
    delete this.digests[id];
    this.verified.delete(id);
    const e = this.byId.get(id);
    if (e) this.byId.set(id, { ...e, digest: '' });
  }

  /** Records that the live object at `version` matched what was applied. */
  markVerified(id: string, version: unknown): void {
    if (typeof version === 'string') this.verified.set(id, version);
  }

  /** True when the live object at `version` was already seen to match (no need to diff it again). */
  isVerified(id: string, version: unknown): boolean {
    return typeof version === 'string' && this.verified.get(id) === version;
  }

  /**
   * Records the fields a mutating admission webhook changed when `digest` was applied (the
   * server's answer differs from the manifest there). They are not drift while that digest stays
   * applied: healing them would only loop against the webhook. True when this set is new.
   */
  setAdmitted(id: string, digest: string, paths: readonly string[]): boolean {
    const had = this.admitted.get(id);
    const same = had?.digest === digest && had.paths.size === paths.length && paths.every((p) => had.paths.has(p));
    if (paths.length === 0) this.admitted.delete(id);
    else this.admitted.set(id, { digest, paths: new Set(paths) });
    return paths.length > 0 && !same;
  }

  /** `diffs` without the fields admission changed at the digest applied now. */
  withoutAdmitted<T extends { path: string }>(id: string, diffs: T[]): T[] {
    const a = this.admitted.get(id);
    if (!a || diffs.length === 0 || a.digest !== this.digestOf(id)) return diffs;
    return diffs.filter((d) => !a.paths.has(d.path));
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }
}
