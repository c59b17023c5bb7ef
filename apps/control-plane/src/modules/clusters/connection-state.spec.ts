import { describe, expect, it } from 'vitest';
import { connectionStateOf } from './connection-state.js';

describe('connectionStateOf', () => {
  const now = Date.parse('2026-01-01T00:00:30Z');

  it('is Pending for a cluster never heard from', () => {
    expect(connectionStateOf(null, 10, now)).toBe('Pending');
  });

  it('stays Online until three intervals have passed without a heartbeat', () => {
    expect(connectionStateOf(new Date(now - 30_000), 10, now)).toBe('Online');
    expect(connectionStateOf(new Date(now - 30_001), 10, now)).toBe('Offline');
  });
});
