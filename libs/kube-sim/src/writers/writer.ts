// Other writers running inside kube-sim, each on its own timer and each with its own field
// manager, as real controllers share a cluster with a GitOps agent: an HPA (hpa.ts), a
// cert-manager cainjector (cainjector.ts), the Deployment controller (deployment-controller.ts)
// and `kubectl rollout restart` (rollout-restart.ts). Off unless asked for (KubeSimOptions.writers,
// `--writer` on the CLI, or `sim.writers.set(...)`); `timeScale` compresses simulated time.
import type { Api } from '../api.js';
import { cainjectorWriter } from './cainjector.js';
import { SimClock } from './clock.js';
import { deploymentControllerWriter } from './deployment-controller.js';
import { hpaWriter } from './hpa.js';
import { rolloutRestartWriter, type RolloutRestartTargets } from './rollout-restart.js';

/** One pass of a writer: the writes it made (no-op writes not counted). */
export type WriterTick = (clock: SimClock) => number;

export const WRITER_NAMES = ['hpa', 'cainjector', 'deploymentController', 'rolloutRestart'] as const;
export type WriterName = (typeof WRITER_NAMES)[number];

export interface WriterSettings {
  /** Simulated ms between two passes (defaults: hpa 15 s, cainjector 60 s, deploymentController 5 s, rolloutRestart 120 s). */
  intervalMs?: number;
  /** The field manager it writes with (defaults: the real controller's). */
  manager?: string;
}

export interface WritersOptions {
  /** Simulated ms per wall-clock ms (default 1; 60 runs ten simulated minutes in ten seconds). */
  timeScale?: number;
  hpa?: WriterSettings | boolean;
  cainjector?: WriterSettings | boolean;
  deploymentController?: WriterSettings | boolean;
  rolloutRestart?: (WriterSettings & RolloutRestartTargets) | boolean;
}

export const DEFAULT_INTERVALS: Record<WriterName, number> = {
  hpa: 15_000, // the HPA controller's --horizontal-pod-autoscaler-sync-period
  cainjector: 60_000,
  deploymentController: 5_000,
  rolloutRestart: 120_000,
};

function tickOf(api: Api, name: WriterName, s: WriterSettings & RolloutRestartTargets): WriterTick {
  switch (name) {
    case 'hpa':
      return hpaWriter(api, s.manager);
    case 'cainjector':
      return cainjectorWriter(api, s.manager);
    case 'deploymentController':
      return deploymentControllerWriter(api, s.manager);
    case 'rolloutRestart':
      return rolloutRestartWriter(api, { namespace: s.namespace, names: s.names }, s.manager);
  }
}

export class Writers {
  readonly clock: SimClock;
  /** Writes made so far, by writer. */
  readonly counts: Record<WriterName, number> = { hpa: 0, cainjector: 0, deploymentController: 0, rolloutRestart: 0 };
  /** Passes run so far, by writer. */
  readonly passes: Record<WriterName, number> = { hpa: 0, cainjector: 0, deploymentController: 0, rolloutRestart: 0 };
  private readonly running = new Map<WriterName, { tick: WriterTick; timer: NodeJS.Timeout }>();

  constructor(
    private readonly api: Api,
    opts: WritersOptions = {},
  ) {
    this.clock = new SimClock(opts.timeScale ?? 1);
    for (const name of WRITER_NAMES) {
      const s = opts[name];
      if (s) this.set(name, s === true ? {} : s);
    }
  }

  /** Starts (or restarts with new settings) one writer; `false` stops it. */
  set(name: WriterName, settings: (WriterSettings & RolloutRestartTargets) | boolean): void {
    if (!WRITER_NAMES.includes(name)) throw new RangeError(`no writer "${String(name)}" (${WRITER_NAMES.join(', ')})`);
    const had = this.running.get(name);
    if (had) clearInterval(had.timer);
    this.running.delete(name);
    if (settings === false) return;
    const s = settings === true ? {} : settings;
    const interval = s.intervalMs ?? DEFAULT_INTERVALS[name];
    if (!(Number.isFinite(interval) && interval > 0))
      throw new RangeError(`writer ${name}: intervalMs must be a positive number of ms, got ${interval}`);
    const tick = tickOf(this.api, name, s);
    const timer = setInterval(() => this.run(name), this.clock.wall(interval));
    timer.unref();
    this.running.set(name, { tick, timer });
  }

  /** The writers running now. */
  active(): WriterName[] {
    return [...this.running.keys()];
  }

  /** Runs one pass of a running writer now (tests that want a write without waiting); returns its writes. */
  run(name: WriterName): number {
    const w = this.running.get(name);
    if (!w) return 0;
    try {
      const n = w.tick(this.clock);
      this.counts[name] += n;
      this.passes[name]++;
      return n;
    } catch (e) {
      // A timer must never take the emulator down (an object may vanish between list and write).
      console.error(`kube-sim: writer ${name} failed: ${(e as Error).message}`);
      return 0;
    }
  }

  stop(): void {
    for (const name of [...this.running.keys()]) this.set(name, false);
  }
}
