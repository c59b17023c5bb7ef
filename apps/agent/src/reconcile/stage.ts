/**
 * stage(): the one place a reconcile stage is timed, logged (with the stage in the log context)
 * and has its throw turned into a ReconcileError. Stages return a value and a one-line summary.
 */
import type { ReconcileStage } from '@flotilla/protocol';
import type { Logger } from 'pino';
import { ReconcileError } from './reconcile-error.js';

export interface StageResult<T> {
  value: T;
  /** "3 created, 1 configured, 12 unchanged" — logged at info. */
  summary?: string;
}

export type StageRunner = <T>(name: ReconcileStage, run: () => Promise<StageResult<T>>) => Promise<T>;

export function stageRunner(logger: Logger, timings: Record<string, number>): StageRunner {
  return async (name, run) => {
    const log = logger.child({ stage: name });
    const started = performance.now();
    try {
      const { value, summary } = await run();
      timings[name] = Math.round(performance.now() - started);
      log.info({ ms: timings[name] }, `${name}: ${summary ?? 'done'}`);
      return value;
    } catch (error) {
      timings[name] = Math.round(performance.now() - started);
      const failure = ReconcileError.from(name, error);
      log.warn({ ms: timings[name], err: failure.toJSON() }, `${name}: failed: ${failure.message}`);
      throw failure;
    }
  };
}
