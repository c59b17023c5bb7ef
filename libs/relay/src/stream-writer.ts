/**
 * Writes messages to JetStream and matches each ack to its message by reply token: one
 * subscription on a private inbox of the hub and one timer sweep, instead of a request (with
 * its own timer and pre-built error objects) per message. Publishes leave in call order.
 */
import { createInbox, headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import { subjects } from '@flotilla/protocol';

export interface StoredAck {
  seq: number;
  duplicate: boolean;
}

interface Pending {
  resolve: (ack: StoredAck) => void;
  reject: (error: Error) => void;
  deadline: number;
}

const SWEEP_MS = 250;

export class StreamWriter {
  private readonly base = createInbox(subjects.hubInboxPrefix);
  private readonly pending = new Map<string, Pending>();
  private readonly sub: Subscription;
  private readonly sweep: NodeJS.Timeout;
  private next = 0;

  constructor(
    private readonly nc: NatsConnection,
    private readonly timeoutMs: number,
  ) {
    this.sub = nc.subscribe(`${this.base}.*`, { callback: (_err, msg) => this.settle(msg) });
    this.sweep = setInterval(() => this.expire(), SWEEP_MS);
    this.sweep.unref();
  }

  /** Resolves with JetStream's ack; rejects on a JetStream error, no stream, or after the timeout. */
  write(subject: string, data: Uint8Array, msgId?: string): Promise<StoredAck> {
    const token = (this.next++).toString(36);
    return new Promise<StoredAck>((resolve, reject) => {
      this.pending.set(token, { resolve, reject, deadline: Date.now() + this.timeoutMs });
      try {
        const h = msgId ? headers() : undefined;
        h?.set('Nats-Msg-Id', msgId!);
        this.nc.publish(subject, data, { reply: `${this.base}.${token}`, ...(h ? { headers: h } : {}) });
      } catch (error) {
        this.pending.delete(token);
        reject(error as Error);
      }
    });
  }

  close(): void {
    clearInterval(this.sweep);
    this.sub.unsubscribe();
    for (const p of this.pending.values()) p.reject(new Error('stream writer closed'));
    this.pending.clear();
  }

  private settle(msg: Msg): void {
    const token = msg.subject.slice(this.base.length + 1);
    const p = this.pending.get(token);
    if (!p) return;
    this.pending.delete(token);
    if (msg.headers?.code === 503) return p.reject(new Error('no stream stores this subject (503)'));
    let ack: { seq?: unknown; duplicate?: unknown; error?: { description?: string } };
    try {
      ack = msg.json();
    } catch {
      return p.reject(new Error('JetStream answered something that is not JSON'));
    }
    if (ack.error) return p.reject(new Error(`JetStream refused: ${ack.error.description ?? 'unknown error'}`));
    if (typeof ack.seq !== 'number') return p.reject(new Error('JetStream ack without a sequence'));
    p.resolve({ seq: ack.seq, duplicate: ack.duplicate === true });
  }

  private expire(): void {
    const now = Date.now();
    for (const [token, p] of this.pending)
      if (p.deadline <= now) {
        this.pending.delete(token);
        p.reject(new Error(`no JetStream ack within ${this.timeoutMs} ms`));
      }
  }
}
