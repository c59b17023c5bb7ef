import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REGISTRATION_KEY_FILE, RegistrationKeyStore } from './registration-key-store.js';

describe('RegistrationKeyStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'reg-key-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes a new key to disk (0600) before handing it out, and hands the same one out again', async () => {
    const first = await new RegistrationKeyStore(join(dir, 'state')).loadOrCreate();
    expect(first.reused).toBe(false);
    const path = join(dir, 'state', REGISTRATION_KEY_FILE);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect(await readFile(path, 'utf8')).toContain(first.key.seed);
    const again = await new RegistrationKeyStore(join(dir, 'state')).loadOrCreate();
    expect(again).toEqual({ key: first.key, reused: true });
  });

  it('discards the key once the credential is stored; the next registration gets a new one', async () => {
    const store = new RegistrationKeyStore(dir);
    const first = await store.loadOrCreate();
    await store.discard();
    await store.discard();
    const next = await store.loadOrCreate();
    expect(next.reused).toBe(false);
    expect(next.key.publicKey).not.toBe(first.key.publicKey);
  });

  it('refuses a damaged key file, naming it, rather than registering with a new key', async () => {
    await writeFile(join(dir, REGISTRATION_KEY_FILE), '{"version":1,"seed":"nope"}');
    await expect(new RegistrationKeyStore(dir).loadOrCreate()).rejects.toThrow(REGISTRATION_KEY_FILE);
  });
});
