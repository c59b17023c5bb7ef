import { describe, expect, it } from 'vitest';
import { isAuthError, isStalePermission } from './nats-transport.js';

describe('server error classification', () => {
  it('takes a refused publish on its own relay subject for a credential minted before the relay', () => {
    const e = new Error(
      'Permissions Violation for Publish to "flotilla.v1.relay.0b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f21.heartbeat"',
    );
    expect(isStalePermission(e)).toBe(true);
    expect(isAuthError(e)).toBe(false);
  });

  it('does not take other refusals for it', () => {
    expect(isStalePermission(new Error('Permissions Violation for Publish to "flotilla.v1.agent.x.sync"'))).toBe(false);
    expect(isStalePermission(new Error('Authorization Violation'))).toBe(false);
    expect(isAuthError(new Error('Authorization Violation'))).toBe(true);
  });
});
