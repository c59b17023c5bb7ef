// The writers' clock: simulated time that runs `timeScale` times faster than the wall clock, so
// a test sees ten minutes of controller activity in ten seconds (timeScale 60) with every write
// it would have seen, each stamped with its simulated time.
export class SimClock {
  private readonly startWall = Date.now();

  constructor(readonly timeScale: number) {
    if (!(timeScale > 0 && timeScale <= 10_000))
      throw new RangeError(`writers' timeScale must be a number above 0 and at most 10000, got ${timeScale}`);
  }

  /** Simulated now, in ms since the epoch. */
  now(): number {
    return this.startWall + (Date.now() - this.startWall) * this.timeScale;
  }

  /** Simulated now as an RFC 3339 timestamp with second precision (kubectl's `time.RFC3339`). */
  rfc3339(): string {
    return new Date(this.now()).toISOString().replace(/\.\d+Z$/, 'Z');
  }

  /** Wall-clock ms for a simulated period. */
  wall(simulatedMs: number): number {
    return Math.max(1, Math.round(simulatedMs / this.timeScale));
  }
}
