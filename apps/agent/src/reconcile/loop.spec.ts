import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { PROTOCOL_VERSION, type DesiredState } from '@flotilla/protocol';
import { ReconcileLoop } from './loop.js';
import type { SyncResult } from './reconciler.js';

const desired: DesiredState = {
  protocol: PROTOCOL_VERSION,
  clusterId: '0b6f6f5e-4c1e-4f7a-9a43-3f1d2c7c9e10',
  repoUrl: 'x',
  branch: 'main',
  path: 'p',
  revision: 'a'.repeat(40),
  prune: true,
  selfHeal: true,
  updatedAt: new Date().toISOString(),
};
const ok = { state: 'Synced' } as SyncResult;

describe('ReconcileLoop', () => {
  it('never runs two passes at once and folds triggers that arrive during a pass into one more', async () => {
    let running = 0;
    let maxRunning = 0;
    let passes = 0;
    const loop = new ReconcileLoop({
      desired: () => desired,
      reconcile: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 30));
        running--;
        passes++;
        return ok;
      },
      onResult: async () => undefined,
      resyncMs: 60_000,
      logger: pino({ level: 'silent' }),
    });
    const first = loop.trigger('a');
    await Promise.all([loop.trigger('b'), loop.trigger('c'), loop.trigger('d'), first]);
    expect(maxRunning).toBe(1);
    expect(passes).toBe(2);
    await loop.stop();
  });

  it('retries a retryable failure with backoff and reports every pass', async () => {
    const results: SyncResult[] = [];
    let calls = 0;
    const loop = new ReconcileLoop({
      desired: () => desired,
      reconcile: async () =>
        ++calls === 1
          ? ({
              state: 'Failed',
              error: { stage: 'source', code: 'SOURCE_UNAVAILABLE', reason: 'down', retryable: true },
            } as SyncResult)
          : ok,
      onResult: async (r) => void results.push(r),
      resyncMs: 60_000,
      logger: pino({ level: 'silent' }),
    });
    await loop.trigger('start');
    await expect.poll(() => results.length).toBeGreaterThanOrEqual(2);
    expect(results.map((r) => r.state)).toEqual(['Failed', 'Synced']);
    await loop.stop();
  });

  it('does nothing without a desired state', async () => {
    let calls = 0;
    const loop = new ReconcileLoop({
      desired: () => undefined,
      reconcile: async () => (calls++, ok),
      onResult: async () => undefined,
      resyncMs: 60_000,
      logger: pino({ level: 'silent' }),
    });
    await loop.trigger('start');
    expect(calls).toBe(0);
    await loop.stop();
  });
});
