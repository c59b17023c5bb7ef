import { describe, expect, it } from 'vitest';
import { decode } from '@nats-io/jwt';
import { accountPublicKey, createNatsTrust, systemAccountPublicKey } from './trust.js';
import { natsServerConfig } from './server-config.js';

describe('natsServerConfig', () => {
  it('configures operator mode with a preloaded memory resolver and no authorization block', async () => {
    const trust = await createNatsTrust();
    const conf = await natsServerConfig(trust, { port: 4333, storeDir: '/data/js', httpPort: 8333 });
    expect(conf).toMatch(/^port: 4333$/m);
    expect(conf).toMatch(/^http_port: 8333$/m);
    expect(conf).toContain('resolver: MEMORY');
    expect(conf).toContain(`system_account: "${systemAccountPublicKey(trust)}"`);
    expect(conf).not.toMatch(/authorization|accounts\s*[:{]/);
    expect(conf).not.toContain(trust.accountSeed);
    expect(conf).not.toContain(trust.operatorSeed);
  });

  it('writes an auth timeout as an authorization block holding only the timeout', async () => {
    const trust = await createNatsTrust();
    const conf = await natsServerConfig(trust, { port: 4333, storeDir: '/data/js', authTimeoutSeconds: 10 });
    expect(conf.match(/authorization.*$/gm)).toEqual(['authorization { timeout: 10 }']);
    expect(conf).not.toMatch(/accounts\s*[:{]|users|token|password/);
  });

  it('refuses an auth timeout that is not a positive number of seconds up to 120', async () => {
    const trust = await createNatsTrust();
    for (const bad of [0, -1, Number.NaN, 121])
      await expect(natsServerConfig(trust, { port: 4333, storeDir: '/d', authTimeoutSeconds: bad })).rejects.toThrow(
        /authTimeoutSeconds/,
      );
  });

  it('gives the Flotilla account explicit limits with JetStream on', async () => {
    const trust = await createNatsTrust();
    const conf = await natsServerConfig(trust, { port: 4333, storeDir: '/data/js' });
    const line = conf.split('\n').find((l) => l.trim().startsWith(accountPublicKey(trust)))!;
    const jwt = JSON.parse(line.slice(line.indexOf(':') + 1).trim()) as string;
    const claims = decode<{ limits: Record<string, unknown> }>(jwt);
    expect(claims.nats.limits).toMatchObject({ conn: -1, disk_storage: -1, mem_storage: -1 });
  });
});
