/**
 * Registrar.register(): POST /v1/register with the token, the cluster facts and the agent's
 * public nkey (the seed stays here), validate the answer, and return the credential to store.
 * Refusals (401, 409, 4xx) are final; an unreachable or failing hub (5xx, 429) is retried with the
 * same key, which the hub answers with the same cluster if an earlier attempt did land.
 */
import { RegisterRequest, RegisterResponse, type ClusterFacts } from '@flotilla/protocol';
import { createUser } from '@flotilla/nats-auth';
import type { Logger } from 'pino';
import { Backoff, sleep, type BackoffOptions } from '../backoff.js';
import { AgentError, ErrorCode } from '../errors.js';
import type { StoredCredential } from './credential.js';
import type { AgentKey } from './registration-key-store.js';
import { assertJwtFor, parseAnswer, postJson } from './hub-call.js';

export interface RegistrarOptions {
  server: string;
  token: string;
  name: string;
  facts: ClusterFacts;
  logger: Logger;
  backoff: BackoffOptions;
  /** Per-request timeout. */
  timeoutMs?: number;
  /** The key pair to register (kept on disk by RegistrationKeyStore); a new one when omitted. */
  key?: AgentKey;
}

const MAX_ERROR_TEXT = 300;

export class Registrar {
  constructor(private readonly opts: RegistrarOptions) {}

  async register(signal: AbortSignal): Promise<StoredCredential> {
    const key = this.opts.key ?? createUser();
    const body = RegisterRequest.parse({
      token: this.opts.token,
      name: this.opts.name,
      natsPublicKey: key.publicKey,
      facts: this.opts.facts,
    });
    const backoff = new Backoff(this.opts.backoff);
    for (;;) {
      try {
        const response = await this.post(body, signal);
        return this.toCredential(response, key);
      } catch (error) {
        if (signal.aborted) throw new AgentError('registration aborted', ErrorCode.Aborted, {}, { cause: error });
        if (!(error instanceof AgentError) || error.code !== ErrorCode.ServerUnavailable) throw error;
        const retryAfterMs = Number(error.data.retryAfterSeconds ?? 0) * 1000;
        const delay = Math.max(backoff.next(), retryAfterMs);
        this.opts.logger.warn({ err: error, retryInMs: delay }, 'registration: hub unavailable, retrying');
        await sleep(delay, signal).catch(() => undefined);
      }
    }
  }

  private async post(body: RegisterRequest, signal: AbortSignal): Promise<RegisterResponse> {
    const url = `${this.opts.server}/v1/register`;
    const { res, text } = await postJson(url, body, signal, this.opts.timeoutMs);
    if (res.ok) return parseAnswer(text, url, RegisterResponse, 'registration response');
    const detail = errorDetail(text);
    if (res.status === 401 || res.status === 403) {
      throw new AgentError(
        `registration refused by ${url} (HTTP ${res.status}): the token is invalid, expired, revoked or used up${detail ? ` — ${detail}` : ''}`,
        ErrorCode.RegistrationRefused,
        { status: res.status },
      );
    }
    if (res.status === 409 && text.includes('KEY_TAKEN')) {
      throw new AgentError(
        `registration refused: this agent's NATS public key belongs to another cluster${detail ? ` — ${detail}` : ''}; move the registration key file away to register with a new key`,
        ErrorCode.RegistrationRejected,
        { status: res.status },
      );
    }
    if (res.status === 409) {
      throw new AgentError(
        `registration refused: a cluster named "${this.opts.name}" already exists${detail ? ` — ${detail}` : ''}`,
        ErrorCode.NameTaken,
        {
          status: res.status,
        },
      );
    }
    if (res.status === 429 || res.status >= 500) {
      const retryAfterSeconds = Number.parseInt(res.headers.get('retry-after') ?? '', 10);
      throw new AgentError(
        `${url} answered HTTP ${res.status}${detail ? `: ${detail}` : ''}`,
        ErrorCode.ServerUnavailable,
        {
          status: res.status,
          ...(retryAfterSeconds > 0 ? { retryAfterSeconds: Math.min(retryAfterSeconds, 3600) } : {}),
        },
      );
    }
    throw new AgentError(
      `registration rejected by ${url} (HTTP ${res.status})${detail ? `: ${detail}` : ''}`,
      ErrorCode.RegistrationRejected,
      {
        status: res.status,
      },
    );
  }

  private toCredential(response: RegisterResponse, key: { publicKey: string; seed: string }): StoredCredential {
    assertJwtFor(response.nats.jwt, key.publicKey, 'registration response');
    return {
      version: 1,
      clusterId: response.clusterId,
      name: this.opts.name,
      nats: { url: response.nats.url, jwt: response.nats.jwt, seed: key.seed, inboxPrefix: response.nats.inboxPrefix },
      heartbeatIntervalSeconds: response.heartbeatIntervalSeconds,
      server: this.opts.server,
      registeredAt: new Date().toISOString(),
    };
  }
}

/**
 * A short, single-line message from an error body: `{ error: { message, field } }` (the control
 * plane's shape), `{ message }`, `{ error: "..." }`, else the text itself.
 */
export function errorDetail(text: string): string {
  let detail = text;
  try {
    const json = JSON.parse(text) as { message?: unknown; error?: unknown };
    const nested =
      typeof json.error === 'object' && json.error !== null
        ? (json.error as { message?: unknown; field?: unknown })
        : undefined;
    const m = nested?.message ?? json.message ?? json.error;
    if (typeof m === 'string')
      detail = nested && typeof nested.field === 'string' && !m.includes(nested.field) ? `${nested.field}: ${m}` : m;
    else if (Array.isArray(m)) detail = m.join('; ');
  } catch {
    // plain text
  }
  return detail.replace(/\s+/g, ' ').trim().slice(0, MAX_ERROR_TEXT);
}
