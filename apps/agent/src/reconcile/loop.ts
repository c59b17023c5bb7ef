/**
 * When to reconcile: a new desired state, the periodic resync, or a retry after a failure (with
 * backoff). Never two passes at once: triggers arriving during a pass fold into one more pass.
 */
import type { DesiredState } from '@flotilla/protocol';
import type { Logger } from 'pino';
import { Backoff } from '../backoff.js';
import type { SyncResult } from './reconciler.js';

export interface ReconcileLoopOptions {
  desired: () => DesiredState | undefined;
  reconcile: (desired: DesiredState) => Promise<SyncResult>;
  onResult: (result: SyncResult) => Promise<void>;
  resyncMs: number;
  logger: Logger;
}

export class ReconcileLoop {
  private running: Promise<void> | undefined;
  private again = false;
  private resync: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly backoff = new Backoff({ initialMs: 1_000, maxMs: 60_000 });
  /** Passes completed (tests wait on it). */
  passes = 0;

  constructor(private readonly opts: ReconcileLoopOptions) {}

  start(): void {
    this.resync = setInterval(() => void this.trigger('resync'), this.opts.resyncMs);
    void this.trigger('start');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.resync);
    clearTimeout(this.retry);
    await this.running;
  }

  /** Asks for a pass; returns when the pass it caused (or joined) has finished. */
  trigger(reason: string): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.run(reason).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(reason: string): Promise<void> {
    let why = reason;
    do {
      this.again = false;
      const desired = this.opts.desired();
      if (!desired) return;
      this.opts.logger.debug({ reason: why }, 'reconcile: starting');
      const result = await this.opts.reconcile(desired);
      this.passes++;
      await this.opts.onResult(result);
      clearTimeout(this.retry);
      if (result.error?.retryable) {
        const delay = this.backoff.next();
        this.retry = setTimeout(() => void this.trigger('retry'), delay);
      } else if (!result.error) this.backoff.reset();
      why = 'pending trigger';
    } while (this.again && !this.stopped);
  }
}
