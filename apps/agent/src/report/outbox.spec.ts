import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentError, ErrorCode } from '../errors.js';
import { Outbox, type ReportPublisher } from './outbox.js';

const CLUSTER = '0b6f6f5e-4c1e-4f7a-9a43-3f1d2c7c9e10';
const silent = pino({ level: 'silent' });

class FakePublisher implements ReportPublisher {
  sent: Array<{ subject: string; payload: string }> = [];
  down = false;
  /** Payloads the fake relay refuses: for good (false) or for now (true). */
  refuse = new Map<string, boolean>();
  async publish(subject: string, payload: string) {
    if (this.down) throw new Error('not connected');
    const retryable = this.refuse.get(payload);
    if (retryable !== undefined)
      throw new AgentError('refused', ErrorCode.RelayRefused, { code: retryable ? 'busy' : 'invalid', retryable });
    this.sent.push({ subject, payload });
    return {};
  }
}
const seqs = (pub: FakePublisher) => pub.sent.map((s) => (JSON.parse(s.payload) as { seq: number }).seq);

const until = (pred: () => boolean) => expect.poll(pred, { interval: 10 }).toBe(true);

describe('Outbox', () => {
  const dirs: string[] = [];
  afterEach(async () => Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true }))));
  const dir = async () => {
    const d = await mkdtemp(join(tmpdir(), 'outbox-'));
    dirs.push(d);
    return d;
  };

  it("delivers reports in seq order to the relay, on their kind's relay subject", async () => {
    const pub = new FakePublisher();
    const box = new Outbox(await dir(), CLUSTER, pub, silent);
    await box.open();
    box.start();
    await box.add('sync', (seq) => ({ seq, n: 'a' }));
    await box.add('drift', (seq) => ({ seq, n: 'b' }));
    await until(() => pub.sent.length === 2);
    expect(seqs(pub)).toEqual([0, 1]);
    expect(pub.sent.map((s) => s.subject)).toEqual([
      `flotilla.v1.relay.${CLUSTER}.sync`,
      `flotilla.v1.relay.${CLUSTER}.drift`,
    ]);
    await box.stop();
  });

  it('queues while the link is down and sends everything, in order, once it returns', async () => {
    const pub = new FakePublisher();
    pub.down = true;
    const box = new Outbox(await dir(), CLUSTER, pub, silent);
    await box.open();
    box.start();
    for (let i = 0; i < 5; i++) await box.add('sync', (seq) => ({ seq }));
    expect(box.backlog).toBe(5);
    pub.down = false;
    await until(() => box.backlog === 0);
    expect(pub.sent.map((s) => JSON.parse(s.payload).seq)).toEqual([0, 1, 2, 3, 4]);
    await box.stop();
  });

  it('keeps undelivered reports and the seq across a restart, and never resends delivered ones', async () => {
    const d = await dir();
    const pub = new FakePublisher();
    const first = new Outbox(d, CLUSTER, pub, silent);
    await first.open();
    first.start();
    await first.add('sync', (seq) => ({ seq }));
    await until(() => pub.sent.length === 1);
    pub.down = true;
    await first.add('sync', (seq) => ({ seq }));
    await first.stop();
    await appendFile(join(d, 'outbox.jsonl'), '{"seq":9,"kind":"sy'); // torn write from a crash
    pub.down = false;
    const second = new Outbox(d, CLUSTER, pub, silent);
    await second.open();
    second.start();
    await second.add('sync', (seq) => ({ seq }));
    await until(() => pub.sent.length === 3);
    expect(seqs(pub)).toEqual([0, 1, 2]);
    await second.stop();
    expect(JSON.parse(await readFile(join(d, 'outbox-acked.json'), 'utf8'))).toEqual({ seq: 2 });
  });

  it('skips a report the relay refuses for good, and retries one it refuses for now, keeping the order', async () => {
    const pub = new FakePublisher();
    const box = new Outbox(await dir(), CLUSTER, pub, silent);
    await box.open();
    pub.refuse.set(JSON.stringify({ seq: 0, bad: true }), false);
    pub.refuse.set(JSON.stringify({ seq: 1 }), true);
    box.start();
    await box.add('sync', (seq) => ({ seq, bad: true }));
    await box.add('sync', (seq) => ({ seq }));
    await box.add('sync', (seq) => ({ seq }));
    await until(() => box.backlog === 2 && pub.sent.length === 0);
    pub.refuse.delete(JSON.stringify({ seq: 1 }));
    await until(() => box.backlog === 0);
    expect(seqs(pub)).toEqual([1, 2]);
    await box.stop();
  });
});
