/**
 * Batches loads made in the same tick into one call (a minimal DataLoader), so resolving a
 * field on every node of a page costs one query, not one per node. One loader per request.
 */
export class BatchLoader<K, V> {
  private queue: { key: K; resolve: (v: V) => void; reject: (e: unknown) => void }[] = [];

  constructor(
    private readonly loadMany: (keys: K[]) => Promise<Map<K, V>>,
    private readonly missing: V,
  ) {}

  load(key: K): Promise<V> {
    return new Promise<V>((resolve, reject) => {
      if (this.queue.push({ key, resolve, reject }) === 1) process.nextTick(() => void this.dispatch());
    });
  }

  private async dispatch(): Promise<void> {
    const batch = this.queue;
    this.queue = [];
    try {
      const values = await this.loadMany([...new Set(batch.map((b) => b.key))]);
      for (const b of batch) b.resolve(values.has(b.key) ? values.get(b.key)! : this.missing);
    } catch (error) {
      for (const b of batch) b.reject(error);
    }
  }
}

/** The loader stored on a request-scoped object under `name`, created on first use. */
export function loaderOn<K, V>(holder: object, name: string, create: () => BatchLoader<K, V>): BatchLoader<K, V> {
  const bag = holder as Record<string, unknown>;
  bag[name] ??= create();
  return bag[name] as BatchLoader<K, V>;
}
