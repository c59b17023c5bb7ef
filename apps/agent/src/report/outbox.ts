/**
 * report/: every report (sync and drift) leaves through a disk-backed outbox under the state dir:
 * appended to `outbox.jsonl` with the next seq before anything is sent, delivered one at a time in
 * seq order to the hub's relay, which stores it in JetStream with msgID `<clusterId>:<seq>` (a
 * resend after a lost reply is stored once) and answers only after JetStream's ack; then it is
 * marked delivered in `outbox-acked.json`. With NATS or the hub down the agent keeps working and
 * reports queue up; when the link returns they go out in order, none lost, none twice. A report
 * the relay refuses for good (it fails the schema) is logged and skipped, so it cannot block the rest.
 */
import { appendFile, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { subjects, type AgentMessageKind } from '@flotilla/protocol';
import type { Logger } from 'pino';
import { Backoff, sleep } from '../backoff.js';
import { isPermanentRefusal } from '../transport/relay-reply.js';

export interface ReportPublisher {
  /** Resolves once the hub stored the message; rejects otherwise (see isPermanentRefusal). */
  publish(subject: string, payload: string, timeoutMs: number): Promise<unknown>;
}

interface Entry {
  seq: number;
  kind: AgentMessageKind;
  payload: string;
}

export class Outbox {
  private pending: Entry[] = [];
  private nextSeq = 0;
  private acked = -1;
  private wake: (() => void) | undefined;
  private readonly stopping = new AbortController();
  private loop: Promise<void> | undefined;
  private writes: Promise<unknown> = Promise.resolve();
  private readonly file: string;
  private readonly ackFile: string;

  constructor(
    stateDir: string,
    private readonly clusterId: string,
    private readonly publisher: ReportPublisher,
    private readonly logger: Logger,
  ) {
    this.file = join(stateDir, 'outbox.jsonl');
    this.ackFile = join(stateDir, 'outbox-acked.json');
  }

  /** Reads what is still undelivered from disk (a torn last line from a crash is dropped). */
  async open(): Promise<void> {
    this.acked = await readFile(this.ackFile, 'utf8').then(
      (t) => (JSON.parse(t) as { seq: number }).seq,
      () => -1,
    );
    const text = await readFile(this.file, 'utf8').catch(() => '');
    const entries: Entry[] = [];
    for (const line of text.split('\n')) {
      try {
        if (line) entries.push(JSON.parse(line) as Entry);
      } catch {
        this.logger.warn('outbox: dropped a torn line at the end of the outbox');
      }
    }
    this.nextSeq = Math.max(this.acked + 1, ...entries.map((e) => e.seq + 1));
    this.pending = entries.filter((e) => e.seq > this.acked);
  }

  start(): void {
    this.loop ??= this.deliver();
  }

  async stop(): Promise<void> {
    this.stopping.abort(new Error('outbox stopping'));
    this.wake?.();
    await this.loop;
    await this.writes;
  }

  /** Undelivered reports. */
  get backlog(): number {
    return this.pending.length;
  }

  /** Appends a report; `build` gets its seq. Resolves once it is on disk. */
  add(kind: AgentMessageKind, build: (seq: number) => unknown): Promise<number> {
    const seq = this.nextSeq++;
    const entry: Entry = { seq, kind, payload: JSON.stringify(build(seq)) };
    const written = this.serial(() => appendFile(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 })).then(() => {
      this.pending.push(entry);
      this.wake?.();
      return seq;
    });
    return written;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const p = this.writes.then(fn);
    this.writes = p.catch(() => undefined);
    return p;
  }

  private async markDelivered(seq: number): Promise<void> {
    this.acked = seq;
    await this.serial(async () => {
      await writeFile(`${this.ackFile}.tmp`, JSON.stringify({ seq }));
      await rename(`${this.ackFile}.tmp`, this.ackFile);
      if (this.pending.length === 0) await writeFile(this.file, '');
    });
  }

  private async deliver(): Promise<void> {
    const backoff = new Backoff({ initialMs: 200, maxMs: 5_000 });
    const signal = this.stopping.signal;
    let failing = false;
    while (!signal.aborted) {
      const next = this.pending[0];
      if (!next) {
        await new Promise<void>((r) => (this.wake = r));
        this.wake = undefined;
        continue;
      }
      try {
        await this.publisher
          .publish(subjects.relay(this.clusterId, next.kind), next.payload, 5_000)
          .catch((error: unknown) => {
            if (!isPermanentRefusal(error)) throw error;
            this.logger.error(
              { err: error, seq: next.seq, kind: next.kind },
              'outbox: the hub refused this report for good; skipped',
            );
          });
        this.pending.shift();
        await this.markDelivered(next.seq);
        if (failing) this.logger.info({ seq: next.seq, backlog: this.pending.length }, 'outbox: delivering again');
        failing = false;
        backoff.reset();
      } catch (error) {
        if (!failing)
          this.logger.warn(
            { err: error, seq: next.seq, backlog: this.pending.length },
            'outbox: report not delivered; queued, retrying',
          );
        failing = true;
        await sleep(backoff.next(), signal).catch(() => undefined);
      }
    }
  }
}
