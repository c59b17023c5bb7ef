/**
 * A fixed-window counter per key (a source address). In memory: one control plane instance.
 * `take` counts and answers in one step (registration attempts); `blocked` only asks, so a
 * caller can refuse before doing any work and count only what failed (authentication).
 */
export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

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

  private current(key: string, t: number) {
    const w = this.windows.get(key);
    return w && t - w.start < this.windowMs ? w : undefined;
  }

  private open(key: string, t: number) {
    if (this.windows.size > 10_000) this.sweep(t);
    const w = { start: t, count: 0 };
    this.windows.set(key, w);
    return w;
  }

  private secondsLeft(w: { start: number }, t: number): number {
    return Math.max(1, Math.ceil((w.start + this.windowMs - t) / 1000));
  }

  private sweep(t: number): void {
    for (const [k, w] of this.windows) if (t - w.start >= this.windowMs) this.windows.delete(k);
  }
}
