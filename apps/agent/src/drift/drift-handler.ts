/**
 * Drift: a change by anyone else to an object the agent applied. Fed by the live cache: when a
 * watched object no longer matches what was applied (`diffObject`), or vanished, it is drift — reported
 * with the changed fields (key names only for Secrets), the field managers that own them
 * (`fieldManagersOf`, our own `flotilla` left out) and the time; with self-heal the object is
 * re-applied at once, else left alone. Paused while a reconcile writes (its own writes are not drift).
 * Not drift: fields admission changed at apply, fields the object's ignore annotations or the
 * fleet's ignore rules for this cluster leave to others (libs/gitops ignore-rules.ts), and fields a fighting writer was left (fight-detector.ts,
 * one alert when given up).
 */
import { diffObject, fieldManagersOf, withoutIgnored, type IgnoreRule, type KubeObject } from '@flotilla/gitops';
import { DriftResolution, storableText, type DriftReport } from '@flotilla/protocol';
import type { Logger } from 'pino';
import type { AppliedObjects } from '../apply/applied-objects.js';
import { FIELD_MANAGER, type ServerApply } from '../apply/server-apply.js';
import type { LiveCache } from './live-cache.js';
import { FightDetector, type FightLimits } from './fight-detector.js';

export type DriftDetails = Pick<
  DriftReport,
  'object' | 'fields' | 'managers' | 'detectedAt' | 'resolution' | 'revertedAt' | 'revertLatencyMs' | 'message'
>;

export interface DriftHandlerOptions {
  live: LiveCache;
  applied: AppliedObjects;
  server: ServerApply;
  selfHeal: () => boolean;
  report: (drift: DriftDetails) => void;
  logger: Logger;
  /** When another writer's fight over a field is given up (fight-detector.ts). */
  fight?: FightLimits;
  /** The fleet's ignore rules for this cluster (desired state `ignore`); none by default. */
  ignoreRules?: () => readonly IgnoreRule[];
}

/** Deferred drift checks run per turn of the event loop. */
const DRAIN_BATCH = 200;

export class DriftHandler {
  private paused = 0;
  private draining = false;
  private readonly deferred = new Set<string>();
  private readonly healing = new Map<string, Promise<void>>();
  /** Versions the watch delivered while a revert of that object was in flight, in order. */
  private readonly seenWhileHealing = new Map<string, unknown[]>();
  /** Objects already reported in alert-only mode, by id → the diff reported (not repeated). */
  private readonly reported = new Map<string, string>();

  private readonly fights: FightDetector;

  constructor(private readonly opts: DriftHandlerOptions) {
    this.fights = new FightDetector(opts.fight);
    opts.live.onChange((id, live) => this.check(id, live));
  }

  /** `diffs` without the fields given up to a fighting writer at the digest applied now (the plan asks too). */
  withoutFought<T extends { path: string }>(id: string, diffs: T[]): T[] {
    const digest = this.opts.applied.digestOf(id);
    return digest === undefined ? diffs : this.fights.without(id, digest, diffs);
  }

  pause(): void {
    this.paused++;
  }

  resume(): void {
    if (--this.paused > 0) return;
    this.drain();
  }

  /**
   * Checks the objects that changed while paused, a batch per turn of the event loop, so a
   * reconcile's report does not wait for a thousand diffs (after a first apply every object's
   * watch event arrives while paused).
   */
  private drain(): void {
    if (this.draining || this.deferred.size === 0) return;
    this.draining = true;
    setImmediate(() => {
      this.draining = false;
      let n = 0;
      for (const id of this.deferred) {
        if (this.paused > 0 || n++ === DRAIN_BATCH) break;
        this.deferred.delete(id);
        this.check(id, this.opts.live.get(id));
      }
      if (this.paused === 0) this.drain();
    });
  }

  /**
   * Resolves once no revert is in flight. A pass waits for it after pause(): a revert re-applies
   * the version from before the pass, and landing after the pass's own write it would undo it.
   */
  async healsDone(): Promise<void> {
    await Promise.all(this.healing.values());
  }

  /** Deferred checks done and heals finished (tests and shutdown wait for them). */
  async settled(): Promise<void> {
    while (this.draining) await new Promise((r) => setImmediate(r));
    await Promise.all(this.healing.values());
  }

  private check(id: string, live: KubeObject | undefined): void {
    const applied = this.opts.applied.get(id);
    if (!applied) return;
    if (this.paused > 0) return void this.deferred.add(id);
    if (this.healing.has(id)) return void this.seenWhileHealing.get(id)?.push(live?.metadata['resourceVersion']);
    if (live && this.opts.applied.isVerified(id, live.metadata['resourceVersion']))
      return void this.reported.delete(id);
    const diffs = this.fights.without(
      id,
      applied.digest,
      withoutIgnored(
        applied.obj,
        live,
        this.opts.applied.withoutAdmitted(id, diffObject(applied.obj, live)),
        this.opts.ignoreRules?.(),
      ),
    );
    if (diffs.length === 0) {
      if (applied.digest) this.opts.applied.markVerified(id, live?.metadata['resourceVersion']);
      return void this.reported.delete(id);
    }
    const fields = diffs.map((d) => d.path || '(object deleted)');
    const managers = live
      ? [
          ...new Set(
            fieldManagersOf(live, diffs, { ignoreManagers: [FIELD_MANAGER] }).flatMap((o) =>
              o.owners.map((w) => w.manager),
            ),
          ),
        ]
      : [];
    const detectedAt = new Date();
    const { obj } = applied;
    const object = {
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      name: obj.metadata.name,
      ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    };
    const base = {
      object,
      fields: fields.slice(0, 500),
      managers: managers.slice(0, 50),
      detectedAt: detectedAt.toISOString(),
    };
    if (!this.opts.selfHeal()) {
      const key = JSON.stringify([fields, managers, live === undefined]);
      if (this.reported.get(id) === key) return;
      this.reported.set(id, key);
      this.opts.logger.warn({ object, fields: base.fields, managers }, 'drift: reported (self-heal off)');
      return this.opts.report({ ...base, resolution: DriftResolution.Reported });
    }
    const exhausted = this.fights.exhausted(id, fields);
    if (exhausted.length > 0) {
      this.fights.giveUp(id, applied.digest, exhausted);
      const message = `fighting writer: ${managers.join(', ') || 'another writer'} set ${exhausted.join(', ')} back after each of the last ${this.opts.fight?.limit ?? 5} reverts; no longer healed until the manifest changes (flotilla.dev/ignore-managers or flotilla.dev/ignore-fields makes it permanent)`;
      this.opts.logger.warn({ object, fields: exhausted, managers }, 'drift: fighting writer, given up');
      return this.opts.report({ ...base, fields: exhausted, resolution: DriftResolution.Reported, message });
    }
    this.fights.reverted(id, fields);
    const seenVersion = live?.metadata['resourceVersion'];
    const seen: unknown[] = [];
    this.seenWhileHealing.set(id, seen);
    let ours: unknown;
    const healing = this.heal(id, base, detectedAt)
      .then((version) => {
        ours = version;
      })
      .finally(() => {
        this.healing.delete(id);
        this.seenWhileHealing.delete(id);
        // Re-check only once the cache has moved past the version we healed; the watch event of
        // our own write (or of a newer edit) triggers the check otherwise.
        const now = this.opts.live.get(id);
        const nowVersion = now?.metadata['resourceVersion'];
        if (nowVersion === seenVersion) return;
        // The cache may still hold a version from before our revert landed (a controller's status
        // write while the revert was in flight): that is not new drift. The watch is ordered, so
        // only versions after our own write's are newer than it.
        if (ours !== undefined && nowVersion !== ours && !seen.includes(ours)) return;
        this.check(id, now);
      });
    this.healing.set(id, healing);
  }

  /** Re-applies the object as Git has it; returns the resourceVersion the revert wrote, when it did. */
  private async heal(id: string, base: Omit<DriftDetails, 'resolution'>, detectedAt: Date): Promise<unknown> {
    const applied = this.opts.applied.get(id);
    if (!applied) return undefined;
    try {
      const written = await this.opts.server.apply(applied.info, applied.obj);
      const revertedAt = new Date();
      this.opts.logger.info(
        {
          object: base.object,
          fields: base.fields,
          managers: base.managers,
          ms: revertedAt.getTime() - detectedAt.getTime(),
        },
        'drift: reverted',
      );
      this.opts.report({
        ...base,
        resolution: DriftResolution.Reverted,
        revertedAt: revertedAt.toISOString(),
        revertLatencyMs: revertedAt.getTime() - detectedAt.getTime(),
      });
      return (written.body as KubeObject | undefined)?.metadata?.['resourceVersion'];
    } catch (error) {
      this.opts.logger.warn({ err: error, object: base.object }, 'drift: revert failed');
      this.opts.report({
        ...base,
        resolution: DriftResolution.RevertFailed,
        message: storableText((error as Error).message, 2000),
      });
      await new Promise((r) => setTimeout(r, 1_000));
      return undefined;
    }
  }
}
