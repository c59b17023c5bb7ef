/**
 * transport/: the agent's one NATS connection, as its own least-privilege user with its own
 * inbox prefix. Connects and reconnects forever with backoff (a NATS restart, a hub outage or
 * an auth refusal never ends the agent). Messages go as requests to the hub's relay, which
 * answers only after JetStream stored them; the agent never addresses JetStream itself.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { credsAuthenticator, natsServers } from '@flotilla/nats-auth';
import { RELAY_MAX_PAYLOAD_BYTES, RelayRefusal, type RelayAccepted } from '@flotilla/protocol';
import type { Logger } from 'pino';
import { Backoff, sleep, type BackoffOptions } from '../backoff.js';
import { AgentError, ErrorCode } from '../errors.js';
import { readRelayReply } from './relay-reply.js';

export interface NatsTransportOptions {
  url: string;
  /** The current user JWT, read on every (re)connect: it is renewed while the agent runs. */
  jwt: () => string;
  seed: string;
  inboxPrefix: string;
  /** Client name shown in the server's monitoring pages. */
  name: string;
  logger: Logger;
  backoff: BackoffOptions;
  /** Called when the server refuses the credential (expired or revoked). */
  onAuthRefused?: () => void;
}

const AUTH_HINT =
  "NATS refused this agent's credential (expired, or revoked when the cluster was suspended or deregistered); the agent renews it and keeps retrying. " +
  'A deregistered cluster rejoins only by moving credential.json away and registering again with a new token.';

/** True for the server's authentication/authorization refusals. */
export function isAuthError(error: unknown): boolean {
  return /authorization violation|authentication (revoked|expired)|user authentication/i.test(
    String((error as Error)?.message ?? error),
  );
}

/**
 * True when the server refused a publish on the agent's own relay subjects: its JWT was minted
 * before agents talked to the relay (it still allows the old stream subjects). A renewal mints
 * one with the current permissions.
 */
export function isStalePermission(error: unknown): boolean {
  return /permissions violation for publish to "flotilla\.v1\.relay\./i.test(
    String((error as Error)?.message ?? error),
  );
}

export class NatsTransport {
  private nc: NatsConnection | undefined;
  /** False between a disconnect and the reconnect: requests sent then lose their replies. */
  private online = false;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private readonly backoff: Backoff;
  private reconnectDelay = 0;
  private reconnectDelayUntil = 0;
  private readonly connectListeners: Array<(nc: NatsConnection, reconnected: boolean) => void> = [];
  private waiters = new Set<{ resolve: (nc: NatsConnection) => void; reject: (e: Error) => void }>();

  constructor(private readonly opts: NatsTransportOptions) {
    this.backoff = new Backoff(opts.backoff);
  }

  get connected(): boolean {
    return this.online && this.nc !== undefined && !this.nc.isClosed() && !this.nc.isDraining();
  }

  /** Starts connecting in the background; never throws. */
  start(): void {
    this.loop ??= this.run();
  }

  /**
   * Sends one message to the hub's relay (`subjects.relay(...)`) and resolves once the relay
   * answers that JetStream stored it. Throws on a timeout, on no relay (no responders), or with
   * an AgentError RELAY_REFUSED (`retryable` false for a message that can never be accepted).
   */
  async publish(subject: string, payload: string, timeoutMs: number): Promise<RelayAccepted> {
    const deadline = Date.now() + timeoutMs;
    const nc = await this.connection(timeoutMs);
    // A message larger than the server takes can never be sent: refuse it for good, so it cannot
    // hold up the messages behind it (the relay's own limit is the same 1 MiB).
    const bytes = Buffer.byteLength(payload, 'utf8');
    const limit = Math.min(nc.info?.max_payload ?? RELAY_MAX_PAYLOAD_BYTES, RELAY_MAX_PAYLOAD_BYTES);
    if (bytes > limit)
      throw new AgentError(`the message is ${bytes} bytes; the hub takes at most ${limit}`, ErrorCode.RelayRefused, {
        code: RelayRefusal.TooLarge,
        retryable: false,
      });
    const msg = await nc.request(subject, payload, { timeout: Math.max(1, deadline - Date.now()) });
    return readRelayReply(msg);
  }

  /** Reconnects at once so the server sees the current (just renewed) JWT. */
  async refreshCredentials(): Promise<void> {
    const nc = this.nc;
    if (nc && !nc.isClosed() && !nc.isDraining())
      await nc
        .reconnect()
        .catch((e: unknown) => this.opts.logger.warn({ err: e }, 'nats: reconnect with the renewed credential failed'));
  }

  private authRefused(): void {
    try {
      this.opts.onAuthRefused?.();
    } catch (error) {
      this.opts.logger.error({ err: error }, 'nats: auth-refused listener failed');
    }
  }

  /** Calls `listener` with the connection on every connect and reconnect (e.g. to re-read state). */
  onConnect(listener: (nc: NatsConnection, reconnected: boolean) => void): void {
    this.connectListeners.push(listener);
    if (this.connected) listener(this.nc!, false);
  }

  private notifyConnect(nc: NatsConnection, reconnected: boolean): void {
    for (const l of this.connectListeners) {
      try {
        l(nc, reconnected);
      } catch (error) {
        this.opts.logger.error({ err: error }, 'nats: connect listener failed');
      }
    }
  }

  /** The current connection, waiting up to `timeoutMs` for one (also while reconnecting). */
  private connection(timeoutMs: number): Promise<NatsConnection> {
    if (this.connected) return Promise.resolve(this.nc!);
    if (this.stopping.signal.aborted) return Promise.reject(new Error('NATS transport is stopped'));
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (nc: NatsConnection) => {
          clearTimeout(timer);
          resolve(nc);
        },
        reject: (e: Error) => {
          clearTimeout(timer);
          reject(e);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`not connected to NATS at ${this.opts.url} after ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  private settleWaiters(outcome: NatsConnection | Error): void {
    for (const w of this.waiters) {
      if (outcome instanceof Error) w.reject(outcome);
      else w.resolve(outcome);
    }
    this.waiters.clear();
  }

  async stop(): Promise<void> {
    this.stopping.abort(new Error('transport stopping'));
    this.settleWaiters(new Error('NATS transport is stopped'));
    const nc = this.nc;
    if (nc && !nc.isClosed()) await nc.drain().catch(() => nc.close());
    await this.loop;
  }

  /** One connection at a time; when the client gives up (it closes), start over after a delay. */
  private async run(): Promise<void> {
    const log = this.opts.logger;
    while (!this.stopping.signal.aborted) {
      try {
        const nc = await connect({
          servers: natsServers(this.opts.url),
          name: this.opts.name,
          authenticator: credsAuthenticator(this.opts.jwt, this.opts.seed),
          inboxPrefix: this.opts.inboxPrefix,
          // The first connect fails fast when the server is down and is retried here, with an
          // abortable sleep (a connect() kept waiting for a server cannot be cancelled by stop()).
          maxReconnectAttempts: -1,
          reconnectDelayHandler: () => this.nextReconnectDelay(),
          timeout: 5_000,
        });
        if (this.stopping.signal.aborted) {
          // stop() ran while we were still connecting
          await nc.close();
          break;
        }
        this.nc = nc;
        this.online = true;
        this.resetBackoff();
        this.settleWaiters(nc);
        log.info({ server: nc.getServer() }, 'nats: connected');
        this.notifyConnect(nc, false);
        await this.watch(nc);
        const err = await nc.closed();
        if (err) log.error({ err }, isAuthError(err) ? AUTH_HINT : 'nats: connection closed by error');
        if (isAuthError(err)) this.authRefused();
      } catch (error) {
        log.error({ err: error, url: this.opts.url }, isAuthError(error) ? AUTH_HINT : 'nats: cannot connect');
        if (isAuthError(error)) this.authRefused();
      }
      this.nc = undefined;
      this.online = false;
      if (!this.stopping.signal.aborted) await sleep(this.backoff.next(), this.stopping.signal).catch(() => undefined);
    }
  }

  /**
   * The client asks for the delay on every turn of its reconnect loop, not once per attempt
   * (it re-asks after sleeping). Hand out the same delay until it has elapsed, so the backoff
   * grows per attempt and not per question (which would reach the cap within seconds).
   */
  private nextReconnectDelay(): number {
    const now = Date.now();
    if (now >= this.reconnectDelayUntil) {
      this.reconnectDelay = this.backoff.next();
      this.reconnectDelayUntil = now + this.reconnectDelay;
    }
    return this.reconnectDelay;
  }

  private resetBackoff(): void {
    this.backoff.reset();
    this.reconnectDelayUntil = 0;
  }

  /** Logs connection state changes until the connection closes. */
  private async watch(nc: NatsConnection): Promise<void> {
    const log = this.opts.logger;
    for await (const s of nc.status()) {
      switch (s.type) {
        case 'disconnect':
          this.online = false;
          log.warn({ server: s.server }, 'nats: disconnected, reconnecting');
          break;
        case 'reconnect':
          this.online = true;
          this.resetBackoff();
          this.settleWaiters(nc);
          log.info({ server: s.server }, 'nats: reconnected');
          this.notifyConnect(nc, true);
          break;
        case 'error':
          if (isStalePermission(s.error)) {
            log.warn("nats: this credential predates the hub's relay; renewing it for the current permissions");
            this.authRefused();
            break;
          }
          log.error({ err: s.error }, isAuthError(s.error) ? AUTH_HINT : 'nats: server reported an error');
          if (isAuthError(s.error)) this.authRefused();
          break;
        case 'close':
          return;
        default:
          log.debug({ status: s.type }, 'nats: status');
      }
    }
  }
}
