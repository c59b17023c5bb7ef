import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNats, type TestNats } from '@flotilla/testing';
import { StreamWriter } from '../src/stream-writer.js';

describe('StreamWriter against a real nats-server', () => {
  let nats: TestNats;
  let hub: NatsConnection;
  let writer: StreamWriter;
  const enc = (s: string) => new TextEncoder().encode(s);

  beforeAll(async () => {
    nats = await startNats();
    hub = await nats.connect(nats.hub);
    await (
      await jetstreamManager(hub)
    ).streams.add({ name: 'W', subjects: ['flotilla.v1.agent.>'], duplicate_window: 60e9 });
    writer = new StreamWriter(hub, 2000);
  });
  afterAll(async () => {
    writer?.close();
    await hub?.close();
    await nats?.[Symbol.asyncDispose]();
  });

  it('resolves each write with its own stream sequence, in call order', async () => {
    const acks = await Promise.all(
      Array.from({ length: 50 }, (_, i) => writer.write(`flotilla.v1.agent.x.heartbeat`, enc(`{"n":${i}}`))),
    );
    const seqs = acks.map((a) => a.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(50);
    const jsm = await jetstreamManager(hub);
    expect((await jsm.streams.getMessage('W', { seq: seqs[7]! }))?.json()).toEqual({ n: 7 });
  });

  it('marks a resend with the same message id as a duplicate, stored once', async () => {
    const first = await writer.write('flotilla.v1.agent.x.sync', enc('{"seq":1}'), 'x:1');
    const again = await writer.write('flotilla.v1.agent.x.sync', enc('{"seq":1}'), 'x:1');
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ seq: first.seq, duplicate: true });
  });

  it('rejects a write no stream stores, without waiting for the timeout when the server says so', async () => {
    const t0 = Date.now();
    await expect(writer.write('flotilla.v1.hub.nothing', enc('{}'))).rejects.toThrow(/no stream|no JetStream ack/);
    expect(Date.now() - t0).toBeLessThan(2000 + 1000);
  });
});
