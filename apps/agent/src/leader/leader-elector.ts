/**
 * leader/: Lease-based leader election, as client-go's leaderelection package does it, so two
 * replicas of the agent never both act. A coordination.k8s.io/v1 Lease names the holder; the
 * holder renews it every `retryPeriod` (2 s); another candidate takes it only when the record
 * has not changed for `leaseDuration` (15 s) as measured by its own clock (no clock-skew
 * assumptions), with an update carrying the resourceVersion it read (a conflict loses the race).
 * The holder gives up when it could not renew for `renewDeadline` (10 s), before anyone else may
 * take the lease, or at once when it sees another holder. On a clean stop it releases the lease
 * (empty holder) so a standby takes over without waiting.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { KubeApiError, type KubeClient } from '../kube/kube-client.js';

export const LEADER_ELECTION_DEFAULTS = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 };

export interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease {
  metadata: { resourceVersion?: string };
  spec?: LeaseSpec;
}

export interface LeaderElectorOptions {
  client: KubeClient;
  namespace: string;
  name: string;
  identity: string;
  logger: Logger;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

/** Kubernetes MicroTime: RFC 3339 with microseconds. */
export function microTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class LeaderElector {
  private readonly path: string;
  private readonly leaseMs: number;
  private readonly renewDeadlineMs: number;
  private readonly retryMs: number;
  /** The last record seen and when (by our clock) it was first seen. */
  private observed: { record: string; at: number } | undefined;
  private leading = false;
  private readonly stopper = new AbortController();
  private renewing: Promise<void> | undefined;
  private resolveLost!: (why: string) => void;
  /** Resolves (with the reason) when leadership is lost; never when released by stop(). */
  readonly lost: Promise<string> = new Promise((resolve) => (this.resolveLost = resolve));

  constructor(private readonly o: LeaderElectorOptions) {
    this.path = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(o.namespace)}/leases/${encodeURIComponent(o.name)}`;
    this.leaseMs = o.leaseDurationMs ?? LEADER_ELECTION_DEFAULTS.leaseDurationMs;
    this.renewDeadlineMs = o.renewDeadlineMs ?? LEADER_ELECTION_DEFAULTS.renewDeadlineMs;
    this.retryMs = o.retryPeriodMs ?? LEADER_ELECTION_DEFAULTS.retryPeriodMs;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** Waits until this candidate holds the lease (or `signal` aborts), then keeps renewing it. */
  async acquire(signal?: AbortSignal): Promise<void> {
    const both = signal ? AbortSignal.any([signal, this.stopper.signal]) : this.stopper.signal;
    let said = false;
    for (;;) {
      both.throwIfAborted();
      const result = await this.tryAcquireOrRenew().catch((error: unknown) => {
        this.o.logger.warn({ err: error }, 'leader: cannot read or update the lease; retrying');
        return { ok: false, holder: undefined };
      });
      if (result.ok) break;
      if (!said && result.holder) {
        this.o.logger.info(
          { holder: result.holder, lease: this.describe() },
          'leader: standing by; another replica leads',
        );
        said = true;
      }
      // client-go jitters the retry by up to 20 %.
      await sleep(this.retryMs * (1 + Math.random() * 0.2), undefined, { signal: both });
    }
    this.leading = true;
    this.o.logger.info({ identity: this.o.identity, lease: this.describe() }, 'leader: acquired the lease');
    this.renewing = this.renewLoop();
  }

  /** Stops renewing; releases the lease when held, so a standby takes over at once. */
  async stop(): Promise<void> {
    this.stopper.abort();
    await this.renewing;
    if (!this.leading) return;
    this.leading = false;
    try {
      const { body } = await this.client.request<Lease>('GET', this.path, {
        signal: AbortSignal.timeout(this.retryMs),
      });
      if (body.spec?.holderIdentity !== this.o.identity) return;
      const now = Date.now();
      await this.client.request('PUT', this.path, {
        body: this.lease(body.metadata.resourceVersion, {
          ...body.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          acquireTime: microTime(now),
          renewTime: microTime(now),
        }),
        signal: AbortSignal.timeout(this.retryMs),
      });
      this.o.logger.info({ lease: this.describe() }, 'leader: released the lease');
    } catch (error) {
      this.o.logger.warn({ err: error }, 'leader: could not release the lease; it expires by itself');
    }
  }

  private get client(): KubeClient {
    return this.o.client;
  }

  private describe(): string {
    return `${this.o.namespace}/${this.o.name}`;
  }

  private async renewLoop(): Promise<void> {
    let lastRenew = Date.now();
    while (!this.stopper.signal.aborted) {
      try {
        await sleep(this.retryMs, undefined, { signal: this.stopper.signal });
      } catch {
        return;
      }
      const result = await this.tryAcquireOrRenew().catch((error: unknown) => {
        this.o.logger.warn({ err: error }, 'leader: renewing the lease failed');
        return { ok: false, holder: undefined };
      });
      if (result.ok) {
        lastRenew = Date.now();
        continue;
      }
      if (result.holder && result.holder !== this.o.identity) return this.lose(`the lease is held by ${result.holder}`);
      if (Date.now() - lastRenew >= this.renewDeadlineMs)
        return this.lose(`the lease could not be renewed for ${this.renewDeadlineMs / 1000} s`);
    }
  }

  private lose(why: string): void {
    this.leading = false;
    this.o.logger.error({ lease: this.describe(), why }, 'leader: lost the lease; stopping');
    this.resolveLost(why);
  }

  private lease(resourceVersion: string | undefined, spec: LeaseSpec): unknown {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.o.name,
        namespace: this.o.namespace,
        ...(resourceVersion ? { resourceVersion } : {}),
        labels: { 'app.kubernetes.io/name': 'flotilla-agent' },
      },
      spec,
    };
  }

  /** One round of client-go's tryAcquireOrRenew: ok when we hold the lease afterwards. */
  private async tryAcquireOrRenew(): Promise<{ ok: boolean; holder: string | undefined }> {
    const now = Date.now();
    const timeout = AbortSignal.timeout(Math.max(1000, this.renewDeadlineMs / 2));
    const mine: LeaseSpec = {
      holderIdentity: this.o.identity,
      leaseDurationSeconds: Math.round(this.leaseMs / 1000),
      acquireTime: microTime(now),
      renewTime: microTime(now),
      leaseTransitions: 0,
    };
    let current: Lease;
    try {
      current = (await this.client.request<Lease>('GET', this.path, { signal: timeout })).body;
    } catch (error) {
      if (!(error instanceof KubeApiError && error.status === 404)) throw error;
      try {
        await this.client.request('POST', this.path.replace(/\/[^/]+$/, ''), {
          body: this.lease(undefined, mine),
          signal: timeout,
        });
      } catch (e) {
        if (e instanceof KubeApiError && e.status === 409) return { ok: false, holder: undefined };
        throw e;
      }
      this.observed = { record: JSON.stringify(mine), at: now };
      return { ok: true, holder: this.o.identity };
    }
    const spec = current.spec ?? {};
    const record = JSON.stringify(spec);
    if (this.observed?.record !== record) this.observed = { record, at: now };
    const holder = spec.holderIdentity || undefined;
    const durationMs = (spec.leaseDurationSeconds ?? Math.round(this.leaseMs / 1000)) * 1000;
    if (holder && holder !== this.o.identity && this.observed.at + durationMs > now) return { ok: false, holder };
    const next: LeaseSpec =
      holder === this.o.identity
        ? { ...mine, acquireTime: spec.acquireTime ?? mine.acquireTime, leaseTransitions: spec.leaseTransitions ?? 0 }
        : { ...mine, leaseTransitions: (spec.leaseTransitions ?? 0) + (holder ? 1 : 0) };
    try {
      await this.client.request('PUT', this.path, {
        body: this.lease(current.metadata.resourceVersion, next),
        signal: timeout,
      });
    } catch (error) {
      if (error instanceof KubeApiError && error.status === 409) return { ok: false, holder };
      throw error;
    }
    this.observed = { record: JSON.stringify(next), at: now };
    return { ok: true, holder: this.o.identity };
  }
}
