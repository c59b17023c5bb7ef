/**
 * A fixed-window counter per key (a client address). In memory: one control plane instance.
 * `take` counts and answers in one step (registration attempts); `blocked` only asks, so a
 * caller can refuse before doing any work and count only what failed (authentication).
 *
 * The map forgets: expired windows are swept once per window length, and it never holds more
 * than `maxKeys` keys — past that the oldest windows (the ones nearest to expiring anyway) are
 * dropped first, so a flood of new addresses costs bounded memory.
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private lastSweep: number;

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
    private readonly maxKeys = 10_000,
  ) {
    this.lastSweep = now();
  }

  /** Counts one event; returns 0 while within the limit, else the seconds until the window resets. */
  take(key: string): number {
    const t = this.now();
    const w = this.current(key, t) ?? this.open(key, t);
    w.count++;
    return w.count <= this.limit ? 0 : this.secondsLeft(w, t);
  }

  /** Without counting: 0 while the key may go on, else the seconds until its window resets. */
  blocked(key: string): number {
    const t = this.now();
    const w = this.current(key, t);
    return w && w.count >= this.limit ? this.secondsLeft(w, t) : 0;
  }

  /** Keys held right now (expired ones included until the next sweep). */
  get size(): number {
    return this.windows.size;
  }

  private current(key: string, t: number) {
    const w = this.windows.get(key);
    return w && t - w.start < this.windowMs ? w : undefined;
  }

  private open(key: string, t: number) {
    if (t - this.lastSweep >= this.windowMs || this.windows.size >= this.maxKeys) this.sweep(t);
    // Map order is insertion order: re-inserting keeps it the order in which windows opened.
    this.windows.delete(key);
    while (this.windows.size >= this.maxKeys) this.windows.delete(this.windows.keys().next().value!);
    const w = { start: t, count: 0 };
    this.windows.set(key, w);
    return w;
  }

  private secondsLeft(w: { start: number }, t: number): number {
    return Math.max(1, Math.ceil((w.start + this.windowMs - t) / 1000));
  }

  private sweep(t: number): void {
    this.lastSweep = t;
    for (const [k, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(k);
  }
}
