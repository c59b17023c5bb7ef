import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './support/harness.js';

describe('smoke', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('boots', async () => {
    const r = await fetch(`${h.cp.url}/healthz`);
    expect(await r.json()).toEqual({ status: 'ok', database: 'up', nats: 'up' });
    const q = await h.gql('{ fleetSummary { clusters { total } } }');
    expect(q).toMatchObject({ data: { fleetSummary: { clusters: { total: 0 } } } });
  });
});
