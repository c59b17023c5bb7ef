import { describe, expect, it } from 'vitest';
import { AgentMessageBatch } from './agent-message.batch.js';

const id = '0b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f21';
const sha = 'a'.repeat(40);
const now = new Date().toISOString();
const sync = (seq: number, state: string) =>
  new TextEncoder().encode(
    JSON.stringify({
      protocol: 1,
      clusterId: id,
      seq,
      revision: sha,
      startedAt: now,
      finishedAt: now,
      durationMs: 1,
      state,
      health: 'Healthy',
      objects: [],
      sourceAvailable: true,
    }),
  );

describe('AgentMessageBatch', () => {
  it('keeps the first report of a seq, and orders reports by seq', () => {
    const b = new AgentMessageBatch();
    b.add(`flotilla.v1.agent.${id}.sync`, sync(2, 'Synced'), new Date());
    b.add(`flotilla.v1.agent.${id}.sync`, sync(1, 'Failed'), new Date());
    b.add(`flotilla.v1.agent.${id}.sync`, sync(2, 'Reconciling'), new Date());
    expect(b.syncs().map((s) => [s.report.seq, s.report.state])).toEqual([
      [1, 'Failed'],
      [2, 'Synced'],
    ]);
  });

  it('rejects kinds it has no handler for', () => {
    expect(new AgentMessageBatch().add(`flotilla.v1.agent.${id}.event`, new Uint8Array(), new Date())).toMatchObject({
      reason: 'unsupported_kind',
    });
  });
});
