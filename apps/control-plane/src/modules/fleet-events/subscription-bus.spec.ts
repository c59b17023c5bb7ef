import { describe, expect, it } from 'vitest';
import { MAX_NOTIFY_BYTES } from '../../common/pg-channel.js';
import { pack, parseNotice } from './subscription-bus.js';

describe('SubscriptionBus notices', () => {
  it('packs notices into JSON arrays that each stay under the NOTIFY limit, in order', () => {
    const notices = Array.from({ length: 500 }, (_, i) =>
      JSON.stringify(['clusterStatusChanged', { clusterId: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` }]),
    );
    const payloads = pack(notices);
    expect(payloads.length).toBeGreaterThan(1);
    for (const p of payloads) expect(Buffer.byteLength(p)).toBeLessThanOrEqual(MAX_NOTIFY_BYTES);
    expect(payloads.flatMap((p) => (JSON.parse(p) as unknown[]).map((n) => JSON.stringify(n)))).toEqual(notices);
    expect(pack([])).toEqual([]);
  });

  it('accepts only the known topics with id-shaped fields (anyone with database access can NOTIFY)', () => {
    expect(parseNotice(['driftDetected', { id: '42', clusterId: 'c-1' }])).toEqual([
      'driftDetected',
      { id: '42', clusterId: 'c-1' },
    ]);
    expect(parseNotice(['rolloutProgress', { rolloutId: 'r', extra: 1 }])).toEqual([
      'rolloutProgress',
      { rolloutId: 'r' },
    ]);
    for (const bad of [
      null,
      'x',
      ['clusterOffline', { clusterId: 'c' }],
      ['driftDetected', { id: '42' }],
      ['clusterStatusChanged', { clusterId: 'a b' }],
      ['clusterStatusChanged', { clusterId: 'x'.repeat(65) }],
      ['rolloutProgress', null],
      ['rolloutProgress', { rolloutId: 7 }],
    ])
      expect(parseNotice(bad)).toBeUndefined();
  });
});
