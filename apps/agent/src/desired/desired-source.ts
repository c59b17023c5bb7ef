/**
 * desired/: this cluster's desired state, read from NATS — the last value of its key in the
 * `flotilla-desired` KV bucket. On every connect and reconnect it is re-read through the hub's
 * relay (a request on `flotilla.v1.relay.<id>.desired`, answered on the agent's own inbox; the
 * agent never talks to JetStream); in between, a core subscription on the key's subject sees each
 * new value. The agent may read nothing else. The last value is kept in the state dir, so after a
 * restart without NATS the agent still enforces what it was told last.
 */
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import { DesiredState, describeZodError, subjects } from '@flotilla/protocol';
import type { Logger } from 'pino';
import { Backoff } from '../backoff.js';
import { DirStateStore } from '../state/dir-state-store.js';
import type { StateStore } from '../state/state-store.js';
import { readRelayReply } from '../transport/relay-reply.js';

const DESIRED_KEY = 'desired.json';

export type DesiredListener = (desired: DesiredState) => void;

export class DesiredSource {
  private current: DesiredState | undefined;
  /** Bumped by every read loop; an older loop stops when it sees a newer one. */
  private reads = 0;
  private listener: DesiredListener = () => undefined;
  private readonly state: StateStore;
  /** Saves run one after another, so the last value is the one kept. */
  private saving: Promise<void> = Promise.resolve();

  constructor(
    state: string | StateStore,
    private readonly clusterId: string,
    private readonly logger: Logger,
  ) {
    this.state = typeof state === 'string' ? new DirStateStore(state) : state;
  }

  get value(): DesiredState | undefined {
    return this.current;
  }

  onChange(listener: DesiredListener): void {
    this.listener = listener;
  }

  /** The value saved by the previous run, if any. */
  async loadSaved(): Promise<DesiredState | undefined> {
    try {
      const text = await this.state.read(DESIRED_KEY);
      this.current = text === undefined ? undefined : DesiredState.parse(JSON.parse(text));
    } catch (error) {
      this.logger.warn({ err: error }, 'desired: the saved desired state cannot be used; waiting for the hub');
      this.current = undefined;
    }
    return this.current;
  }

  /** Hooks a connection: subscribe once per connection, re-read now. */
  attach(nc: NatsConnection, reconnected: boolean): void {
    if (!reconnected)
      nc.subscribe(subjects.desired(this.clusterId), {
        callback: (err, msg) => (err ? this.logger.warn({ err }, 'desired: subscription error') : this.accept(msg)),
      });
    void this.readNow(nc);
  }

  /**
   * Asks the relay until it answers (the hub may be down while NATS is up), with backoff; a newer
   * connect or reconnect replaces this loop, and a closed connection ends it.
   */
  private async readNow(nc: NatsConnection): Promise<void> {
    const generation = ++this.reads;
    const backoff = new Backoff({ initialMs: 200, maxMs: 15_000 });
    for (let attempt = 1; generation === this.reads && !nc.isClosed(); attempt++) {
      try {
        const msg = await nc.request(subjects.relay(this.clusterId, 'desired'), undefined, { timeout: 5_000 });
        const { desired } = readRelayReply(msg);
        if (!desired) return this.logger.info('desired: no desired state for this cluster yet');
        return this.acceptValue(desired);
      } catch (error) {
        if (attempt === 5)
          this.logger.warn({ err: error }, 'desired: cannot read the desired state from the hub yet; still trying');
        // unref: a retry pending on a closed connection must not keep the process alive
        await new Promise((r) => setTimeout(r, backoff.next()).unref());
      }
    }
  }

  /** A value pushed on the key's subject (a KV put, delete or purge). */
  private accept(msg: Msg): void {
    const op = msg.headers?.get('KV-Operation');
    if (op === 'DEL' || op === 'PURGE' || msg.data.length === 0)
      return this.logger.warn('desired: the desired state was deleted; keeping the last one');
    let json: unknown;
    try {
      json = msg.json();
    } catch (error) {
      return this.logger.error({ err: error }, 'desired: not JSON; ignored');
    }
    this.acceptValue(json);
  }

  private acceptValue(json: unknown): void {
    const parsed = DesiredState.safeParse(json);
    if (!parsed.success)
      return this.logger.error({ problems: describeZodError(parsed.error) }, 'desired: invalid desired state; ignored');
    const next = parsed.data;
    if (next.clusterId !== this.clusterId)
      return this.logger.error({ clusterId: next.clusterId }, 'desired: state for another cluster; ignored');
    const prev = this.current;
    if (prev && JSON.stringify(prev) === JSON.stringify(next)) return;
    this.current = next;
    this.saving = this.saving.then(() => this.save(next));
    this.listener(next);
  }

  private async save(d: DesiredState): Promise<void> {
    try {
      await this.state.write(DESIRED_KEY, JSON.stringify(d));
    } catch (error) {
      this.logger.warn({ err: error }, 'desired: cannot save the desired state');
    }
  }
}
