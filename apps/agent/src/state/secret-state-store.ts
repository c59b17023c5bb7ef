/**
 * StateStore in one Kubernetes Secret (type Opaque) of the agent's namespace: one data key per
 * state key. A write is a JSON merge patch of that one key (other keys untouched; the API server
 * replaces the object atomically), creating the Secret on first use. Transient API errors
 * (connection, timeout, 429, 5xx) are retried a few times with backoff; the rest are thrown.
 * The agent needs get, create and patch on this one Secret.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { KubeApiError, type KubeClient } from '../kube/kube-client.js';
import type { StateStore } from './state-store.js';

/** A Secret holds at most 1 MiB in all; the state is a few KiB. */
export const MAX_STATE_VALUE_BYTES = 256 * 1024;
const MERGE = 'application/merge-patch+json';
const ATTEMPTS = 4;

interface SecretBody {
  data?: Record<string, string | null>;
}

function transient(error: unknown): boolean {
  return error instanceof KubeApiError && (error.status === 0 || error.status === 429 || error.status >= 500);
}

export class SecretStateStore implements StateStore {
  private readonly path: string;

  constructor(
    private readonly client: KubeClient,
    readonly namespace: string,
    readonly name: string,
    private readonly retryDelayMs = 500,
  ) {
    this.path = `/api/v1/namespaces/${encodeURIComponent(namespace)}/secrets/${encodeURIComponent(name)}`;
  }

  describe(key: string): string {
    return `secret ${this.namespace}/${this.name} key ${key}`;
  }

  discardHint(key: string): string {
    return `remove the key ${key} from the Secret ${this.namespace}/${this.name}`;
  }

  async read(key: string): Promise<string | undefined> {
    const secret = await this.retrying(async () => {
      try {
        return (await this.client.request<SecretBody>('GET', this.path)).body;
      } catch (error) {
        if (error instanceof KubeApiError && error.status === 404) return undefined;
        throw error;
      }
    });
    const value = secret?.data?.[key];
    return value == null ? undefined : Buffer.from(value, 'base64').toString('utf8');
  }

  async write(key: string, text: string): Promise<void> {
    const bytes = Buffer.byteLength(text);
    if (bytes > MAX_STATE_VALUE_BYTES)
      throw new Error(`${this.describe(key)}: ${bytes} bytes is more than the ${MAX_STATE_VALUE_BYTES} a key may hold`);
    await this.patchOrCreate({ [key]: Buffer.from(text).toString('base64') });
  }

  async remove(key: string): Promise<void> {
    await this.retrying(async () => {
      try {
        await this.client.request('PATCH', this.path, { body: { data: { [key]: null } }, contentType: MERGE });
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      }
    });
  }

  isExposed(): Promise<boolean> {
    return Promise.resolve(false);
  }

  private patchOrCreate(data: Record<string, string>): Promise<void> {
    return this.retrying(async () => {
      try {
        await this.client.request('PATCH', this.path, { body: { data }, contentType: MERGE });
        return;
      } catch (error) {
        if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      }
      try {
        await this.client.request('POST', `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/secrets`, {
          body: {
            apiVersion: 'v1',
            kind: 'Secret',
            type: 'Opaque',
            metadata: {
              name: this.name,
              namespace: this.namespace,
              labels: { 'app.kubernetes.io/name': 'flotilla-agent', 'app.kubernetes.io/component': 'state' },
            },
            data,
          },
        });
      } catch (error) {
        // Created meanwhile (another replica): patch it.
        if (!(error instanceof KubeApiError && error.status === 409)) throw error;
        await this.client.request('PATCH', this.path, { body: { data }, contentType: MERGE });
      }
    });
  }

  private async retrying<T>(fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (attempt >= ATTEMPTS || !transient(error)) throw error;
        await sleep(this.retryDelayMs * 2 ** (attempt - 1));
      }
    }
  }
}
