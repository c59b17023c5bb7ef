/**
 * A fighting writer: another controller that sets a field back every time the agent heals it
 * (an HPA on replicas, a cainjector on caBundle). Healing it again only loops, so once a field of
 * an object was reverted `limit` times within `windowMs`, it is given up for the digest applied
 * now: no longer healed nor reported, until the manifest changes. The drift handler raises one
 * alert naming the other manager when that happens.
 */
export interface FightLimits {
  /** Reverts of one field within the window after which it is given up (default 5). */
  limit: number;
  windowMs: number;
}

export const DEFAULT_FIGHT_LIMITS: FightLimits = { limit: 5, windowMs: 10 * 60_000 };

export class FightDetector {
  /** `${id}\0${path}` → times of the reverts in the window. */
  private readonly reverts = new Map<string, number[]>();
  /** id → the digest and the fields given up for it. */
  private readonly givenUp = new Map<string, { digest: string; paths: Set<string> }>();

  constructor(
    private readonly limits: FightLimits = DEFAULT_FIGHT_LIMITS,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(key: string): number[] {
    const since = this.now() - this.limits.windowMs;
    const times = (this.reverts.get(key) ?? []).filter((t) => t > since);
    if (times.length) this.reverts.set(key, times);
    else this.reverts.delete(key);
    return times;
  }

  /** The fields of `paths` that were reverted `limit` times in the window: give them up now. */
  exhausted(id: string, paths: readonly string[]): string[] {
    return paths.filter((p) => this.recent(`${id}\0${p}`).length >= this.limits.limit);
  }

  /** Records one revert of these fields. */
  reverted(id: string, paths: readonly string[]): void {
    for (const p of paths) this.reverts.set(`${id}\0${p}`, [...this.recent(`${id}\0${p}`), this.now()]);
  }

  giveUp(id: string, digest: string, paths: readonly string[]): void {
    const had = this.givenUp.get(id);
    const set = had?.digest === digest ? had.paths : new Set<string>();
    for (const p of paths) set.add(p);
    this.givenUp.set(id, { digest, paths: set });
  }

  /** `diffs` without the fields given up for the digest applied now. */
  without<T extends { path: string }>(id: string, digest: string, diffs: T[]): T[] {
    const g = this.givenUp.get(id);
    if (!g || g.digest !== digest) return diffs;
    return diffs.filter((d) => !g.paths.has(d.path));
  }
}
