// Saving the store to a state file (debounced, atomic rename) and loading it on start, so a
// demo cluster survives a restart. CRDs are re-registered from the loaded objects.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Api } from './api.js';

export class Persister {
  private timer?: NodeJS.Timeout;

  constructor(
    private api: Api,
    private file: string,
    private delayMs = 200,
  ) {}

  load(): boolean {
    if (!existsSync(this.file)) return false;
    let state: any;
    try {
      state = JSON.parse(readFileSync(this.file, 'utf8'));
    } catch (e) {
      throw new Error(`kube-sim state file ${this.file} is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof state?.rv !== 'number' || typeof state?.objects !== 'object')
      throw new Error(`kube-sim state file ${this.file} has no rv/objects`);
    this.api.store.load(state);
    for (const crd of this.api.store.list('customresourcedefinitions.apiextensions.k8s.io'))
      this.api.registry.registerCrd(crd);
    return true;
  }

  /** Schedules a save; many writes in a burst make one file write. */
  touch(): void {
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      try {
        this.save();
      } catch (e) {
        console.error(
          `kube-sim: saving state to ${this.file} failed (will retry on the next change): ${(e as Error).message}`,
        );
      }
    }, this.delayMs);
  }

  save(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.api.store.dump()));
    renameSync(tmp, this.file);
  }
}
