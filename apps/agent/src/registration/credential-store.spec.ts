import { mkdtemp, rm, stat, writeFile, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialStore } from './credential-store.js';
import type { StoredCredential } from './credential.js';

const credential: StoredCredential = {
  version: 1,
  clusterId: '0b3c5a9e-1f2d-4c6b-9a8e-7d6c5b4a3f21',
  name: 'edge-1',
  nats: { url: 'nats://127.0.0.1:4222', jwt: 'eyJ.x.y', seed: 'SUAEXAMPLE', inboxPrefix: '_INBOX_0b3c' },
  heartbeatIntervalSeconds: 15,
  registeredAt: '2026-01-01T00:00:00.000Z',
};

describe('CredentialStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'cred-store-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds nothing in a fresh state directory', async () => {
    expect(await new CredentialStore(join(dir, 'state')).load()).toBeUndefined();
  });

  it('round-trips a credential, written 0600', async () => {
    const store = new CredentialStore(join(dir, 'state'));
    await store.save(credential);
    expect(await store.load()).toEqual(credential);
    expect((await stat(store.path)).mode & 0o777).toBe(0o600);
    expect(await store.isExposed()).toBe(false);
  });

  it('notices a credential file others can read', async () => {
    const store = new CredentialStore(dir);
    await store.save(credential);
    await chmod(store.path, 0o644);
    expect(await store.isExposed()).toBe(true);
  });

  it('refuses a damaged file instead of registering again', async () => {
    const store = new CredentialStore(dir);
    await writeFile(store.path, '{"version":1,');
    await expect(store.load()).rejects.toMatchObject({
      code: 'CREDENTIAL_UNREADABLE',
      message: expect.stringContaining('not valid JSON'),
    });
    await writeFile(store.path, JSON.stringify({ ...credential, clusterId: 'x' }));
    await expect(store.load()).rejects.toMatchObject({ message: expect.stringContaining('clusterId') });
  });
});
