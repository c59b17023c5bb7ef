/**
 * The agent's NATS JWT is short-lived; the renewer gets a new one from the control plane
 * (POST /v1/agent/renew) two thirds into its life, proving possession of the nkey by signing
 * the request with the seed (which never leaves the agent). A renewed credential is stored
 * before it is used. Refusals (deregistered, suspended) and outages are retried with backoff:
 * a resumed cluster comes back by itself; a NATS auth refusal asks for a renewal at once.
 */
import { decodeUserJwt, signRenewal } from '@flotilla/nats-auth';
import { RenewResponse } from '@flotilla/protocol';
import type { Logger } from 'pino';
import { Backoff, sleep, type BackoffOptions } from '../backoff.js';
import { AgentError, ErrorCode } from '../errors.js';
import type { StoredCredential } from './credential.js';
import type { CredentialStore } from './credential-store.js';
import { assertJwtFor, parseAnswer, postJson } from './hub-call.js';
import { errorDetail } from './registrar.js';

export interface RenewerOptions {
  server: string;
  store: CredentialStore;
  credential: StoredCredential;
  logger: Logger;
  backoff: BackoffOptions;
  /** Called with each new JWT once it is stored. */
  onRenewed: (jwt: string) => void;
  timeoutMs?: number;
}

/** When a JWT should be renewed: two thirds into its life; undefined for one that never expires. */
export function renewalDueAt(jwt: string): Date | undefined {
  const { issuedAt, expiresAt } = decodeUserJwt(jwt);
  if (!expiresAt) return undefined;
  return new Date(issuedAt.getTime() + ((expiresAt.getTime() - issuedAt.getTime()) * 2) / 3);
}

export class CredentialRenewer {
  private credential: StoredCredential;
  private readonly stopping = new AbortController();
  private wake?: () => void;
  private loop?: Promise<void>;

  constructor(private readonly opts: RenewerOptions) {
    this.credential = opts.credential;
  }

  get jwt(): string {
    return this.credential.nats.jwt;
  }

  start(): void {
    this.loop ??= this.run();
  }

  /** Renew now (e.g. NATS refused the current JWT), without waiting for the due time. */
  renewSoon(): void {
    this.wake?.();
  }

  async stop(): Promise<void> {
    this.stopping.abort(new Error('renewer stopping'));
    this.wake?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const log = this.opts.logger;
    const backoff = new Backoff(this.opts.backoff);
    // A refusal lasts (suspended, deregistered): ask again at most once a minute.
    const refusedBackoff = new Backoff({
      initialMs: Math.max(this.opts.backoff.initialMs, 5_000),
      maxMs: Math.max(this.opts.backoff.maxMs, 60_000),
    });
    let retryAt: number | undefined;
    while (!this.stopping.signal.aborted) {
      const due = retryAt ?? renewalDueAt(this.jwt)?.getTime();
      await this.waitUntil(due);
      if (this.stopping.signal.aborted) return;
      try {
        await this.renewOnce();
        backoff.reset();
        refusedBackoff.reset();
        retryAt = undefined;
      } catch (error) {
        const refused = error instanceof AgentError && error.code === ErrorCode.RenewalRefused;
        const delay = refused ? refusedBackoff.next() : backoff.next();
        retryAt = Date.now() + delay;
        const expiresAt = decodeUserJwt(this.jwt).expiresAt;
        log.error(
          { err: error, retryInMs: delay, credentialExpiresAt: expiresAt?.toISOString() },
          'credential: renewal failed',
        );
      }
    }
  }

  /** Sleeps until `at` (forever when undefined) or until renewSoon()/stop(). */
  private async waitUntil(at: number | undefined): Promise<void> {
    const woken = new Promise<void>((resolve) => (this.wake = resolve));
    const timer =
      at === undefined ? undefined : sleep(Math.max(0, at - Date.now()), this.stopping.signal).catch(() => undefined);
    await Promise.race(timer ? [woken, timer] : [woken]);
    this.wake = undefined;
  }

  async renewOnce(): Promise<string> {
    const url = `${this.opts.server}/v1/agent/renew`;
    const body = signRenewal(this.credential.nats.seed, this.credential.clusterId);
    const { res, text } = await postJson(url, body, this.stopping.signal, this.opts.timeoutMs);
    if (res.status === 401) {
      throw new AgentError(
        `credential renewal refused by ${url}: the cluster was deregistered or suspended (${errorDetail(text)})`,
        ErrorCode.RenewalRefused,
        { status: 401 },
      );
    }
    if (!res.ok)
      throw new AgentError(`${url} answered HTTP ${res.status}: ${errorDetail(text)}`, ErrorCode.ServerUnavailable, {
        status: res.status,
      });
    const answer = parseAnswer(text, url, RenewResponse, 'renewal');
    const jwt = answer.jwt;
    assertJwtFor(jwt, body.natsPublicKey, 'renewal');
    const next: StoredCredential = { ...this.credential, nats: { ...this.credential.nats, jwt } };
    await this.opts.store.save(next);
    this.credential = next;
    this.opts.logger.info({ credentialExpiresAt: answer.expiresAt }, 'credential: renewed');
    this.opts.onRenewed(jwt);
    return jwt;
  }
}
