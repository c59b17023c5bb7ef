import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig, registrationToken } from './config.js';

describe('loadConfig', () => {
  it('takes --trusted-keys (or FLOTILLA_TRUSTED_KEYS) as an absolute path; unset leaves the signed-commit policy off', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-keys-'));
    try {
      const file = join(dir, 'fleet.asc');
      writeFileSync(file, '-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nxx\n-----END PGP PUBLIC KEY BLOCK-----\n');
      expect(loadConfig(['--name', 'edge-1', '--trusted-keys', file], {})!.trustedKeysFile).toBe(file);
      expect(loadConfig(['--name', 'edge-1'], { FLOTILLA_TRUSTED_KEYS: file })!.trustedKeysFile).toBe(file);
      expect(loadConfig(['--name', 'edge-1'], {})!.trustedKeysFile).toBeUndefined();
      expect(() => loadConfig(['--name', 'edge-1', '--trusted-keys', join(dir, 'missing.asc')], {})).toThrow(
        /cannot read the trusted keys file .*missing\.asc/,
      );
      writeFileSync(file, 'not a key');
      expect(() => loadConfig(['--name', 'edge-1', '--trusted-keys', file], {})).toThrow(
        `the trusted keys file ${file} holds no armored OpenPGP public key block`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reads flags, with FLOTILLA_* environment as fallback', () => {
    const c = loadConfig(['--name', 'edge-1', '--server', 'http://hub:3000/', '--heartbeat-interval', '5'], {
      FLOTILLA_TOKEN: 'secret',
      FLOTILLA_NAME: 'ignored-because-flag-wins',
      FLOTILLA_NODE_COUNT: '3',
      FLOTILLA_PROVIDER: 'aws',
    })!;
    expect(c).toMatchObject({
      name: 'edge-1',
      server: 'http://hub:3000',
      token: 'secret',
      heartbeatIntervalSeconds: 5,
    });
    expect(c.facts).toEqual({ provider: 'aws', nodeCount: 3 }); // the rest is read from the cluster
    expect(c.stateDir).toBe(resolve('.flotilla/agents/edge-1'));
  });

  it('lists every bad field at once', () => {
    let message = '';
    try {
      loadConfig(['--name', 'Not_A_Label', '--server', 'ftp://x', '--heartbeat-interval=0'], {});
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/name: must be a DNS label/);
    expect(message).toMatch(/server: must be an http\(s\) URL/);
    expect(message).toMatch(/heartbeatIntervalSeconds: /);
  });

  it('refuses unknown flags', () => {
    expect(() => loadConfig(['--name', 'a', '--tokn', 'x'], {})).toThrow(/invalid arguments: .*--tokn/);
  });

  it('reads the token from a file only when it is asked for (a missing file is no start error)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agent-config-'));
    try {
      const config = loadConfig(['--name', 'a', '--token-file', join(dir, 'token')], {})!;
      expect(config.tokenFile).toBe(join(dir, 'token'));
      expect(config.token).toBeUndefined();
      expect(() => registrationToken(config)).toThrow(`cannot read the token file ${join(dir, 'token')}`);
      writeFileSync(join(dir, 'token'), 'from-file\n');
      expect(registrationToken(config)).toBe('from-file');
      writeFileSync(join(dir, 'token'), '\n');
      expect(() => registrationToken(config)).toThrow(/holds nothing/);
      expect(registrationToken({ token: 'direct' })).toBe('direct');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('returns nothing when help is asked for', () => {
    expect(loadConfig(['--help'], {})).toBeUndefined();
  });
});
