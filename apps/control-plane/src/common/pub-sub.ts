/**
 * A minimal in-process publish/subscribe for GraphQL subscriptions and in-process listeners
 * (fine for one control-plane replica). Each subscriber has its own bounded queue: a slow
 * GraphQL client drops its oldest events instead of growing memory without limit.
 */
type Listener<T> = (event: T) => void;

export class PubSub<Topics extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Topics, Set<Listener<never>>>();

  constructor(private readonly queueLimit = 1000) {}

  publish<K extends keyof Topics>(topic: K, event: Topics[K]): void {
    for (const l of this.listeners.get(topic) ?? []) (l as Listener<Topics[K]>)(event);
  }

  /** Calls `listener` synchronously for every event; returns the unsubscribe function. */
  on<K extends keyof Topics>(topic: K, listener: Listener<Topics[K]>): () => void {
    let set = this.listeners.get(topic);
    if (!set) this.listeners.set(topic, (set = new Set()));
    set.add(listener as Listener<never>);
    return () => set.delete(listener as Listener<never>);
  }

  /** An async iterator of the topic's events (what a GraphQL subscription resolver returns). */
  iterate<K extends keyof Topics>(
    topic: K,
    filter: (event: Topics[K]) => boolean = () => true,
  ): AsyncIterableIterator<Topics[K]> {
    const queue: Topics[K][] = [];
    let wake: ((r: IteratorResult<Topics[K]>) => void) | undefined;
    let done = false;
    const off = this.on(topic, (event) => {
      if (done || !filter(event)) return;
      if (wake) {
        const w = wake;
        wake = undefined;
        w({ value: event, done: false });
        return;
      }
      queue.push(event);
      if (queue.length > this.queueLimit) queue.shift();
    });
    const finish = (): Promise<IteratorResult<Topics[K]>> => {
      done = true;
      off();
      queue.length = 0;
      wake?.({ value: undefined, done: true });
      wake = undefined;
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next: () => {
        if (queue.length) return Promise.resolve({ value: queue.shift()!, done: false });
        if (done) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (wake = resolve));
      },
      return: finish,
      throw: async (e: unknown) => {
        await finish();
        throw e;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}

/**
 * Maps each value of an iterator through an async function, skipping undefined results.
 * Unlike an async generator, `return()` reaches the source at once even while it waits.
 */
export function mapIterator<T, U>(
  source: AsyncIterableIterator<T>,
  fn: (value: T) => Promise<U | undefined>,
): AsyncIterableIterator<U> {
  const it: AsyncIterableIterator<U> = {
    async next(): Promise<IteratorResult<U>> {
      for (;;) {
        const r = await source.next();
        if (r.done) return { value: undefined, done: true };
        const mapped = await fn(r.value);
        if (mapped !== undefined) return { value: mapped, done: false };
      }
    },
    async return(): Promise<IteratorResult<U>> {
      await source.return?.();
      return { value: undefined, done: true };
    },
    [Symbol.asyncIterator]: () => it,
  };
  return it;
}
