import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Heartbeat, subjects } from '@flotilla/protocol';
import { Heartbeater } from './heartbeater.js';

const clusterId = '0b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f21';
const facts = () => ({ kubeVersion: 'v1.30.0', agentVersion: '0.1.0', provider: 'aws', region: 'eu-1', nodeCount: 3 });

describe('Heartbeater', () => {
  it('publishes schema-valid heartbeats with increasing seq on the cluster heartbeat subject', async () => {
    const sent: { subject: string; payload: string }[] = [];
    const hb = new Heartbeater({
      clusterId,
      facts,
      intervalMs: 20,
      logger: pino({ level: 'silent' }),
      publisher: { publish: async (subject, payload) => void sent.push({ subject, payload }) },
    });
    hb.start();
    await expect.poll(() => sent.length).toBeGreaterThanOrEqual(3);
    await hb.stop();
    const count = sent.length;
    // A second heartbeater beating three times is the clock moving on by three intervals.
    const marks: string[] = [];
    const witness = new Heartbeater({
      clusterId,
      facts,
      intervalMs: 20,
      logger: pino({ level: 'silent' }),
      publisher: { publish: async (subject) => void marks.push(subject) },
    });
    witness.start();
    await expect.poll(() => marks.length).toBeGreaterThanOrEqual(3);
    await witness.stop();
    expect(sent.length).toBe(count);
    expect(sent.every((s) => s.subject === subjects.relay(clusterId, 'heartbeat'))).toBe(true);
    const beats = sent.map((s) => Heartbeat.parse(JSON.parse(s.payload)));
    expect(beats.map((b) => b.seq)).toEqual(beats.map((_b, i) => i));
    expect(beats[0]!.facts.region).toBe('eu-1');
  });

  it('keeps beating after failed publishes and reports success again', async () => {
    let calls = 0;
    const hb = new Heartbeater({
      clusterId,
      facts,
      intervalMs: 1000,
      logger: pino({ level: 'silent' }),
      publisher: {
        publish: async () => {
          calls++;
          if (calls <= 2) throw new Error('no responders');
        },
      },
    });
    expect(await hb.beat()).toBe(false);
    expect(await hb.beat()).toBe(false);
    expect(await hb.beat()).toBe(true);
  });
});
